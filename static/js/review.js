// The review pages. Every form works without this script; it only saves the reviewer steps.
(function () {
  "use strict";

  // Reviewer comment library: choosing a saved comment copies its text into the reason box,
  // where the reviewer can adjust it. Without this script the server uses the chosen comment
  // when the reason box is left empty.
  var pickers = document.querySelectorAll("select[data-reason-library]");
  Array.prototype.forEach.call(pickers, function (select) {
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var box = document.getElementById(select.getAttribute("data-reason-library"));
      if (!box || !option || !option.value || option.value === "0") return;
      box.value = option.getAttribute("data-text") || option.textContent;
      box.focus();
    });
  });

  function openAround(element) {
    for (var node = element; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
  }

  // Bring a field and its message to the middle of the screen (clear of the phone's
  // decision bar) and put the cursor in it.
  function bringIntoView(field, message, behavior) {
    openAround(field);
    (message || field).scrollIntoView({ block: "center", behavior: behavior || "smooth" });
    field.focus({ preventScroll: true });
  }

  // A form sent back with a problem: the page opens at the first field that failed, with its
  // message in view (autofocus alone may leave the message under the bar or off screen).
  // Done after the browser has handled autofocus, which scrolls the field only just in.
  var invalid = document.querySelector('#content [aria-invalid="true"]');
  if (invalid) {
    window.addEventListener("load", function () {
      window.requestAnimationFrame(function () {
        bringIntoView(invalid, document.getElementById(invalid.id + "-error"), "instant");
      });
    });
  }

  // The decision bar's links (Return, Exclude, Include again) open their form and go to it.
  var jumps = document.querySelectorAll(".review-bar [data-open]");
  Array.prototype.forEach.call(jumps, function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("data-open"));
      if (!target) return;
      event.preventDefault();
      target.open = true;
      var box = target.querySelector("textarea") || target.querySelector("select, input");
      if (box) bringIntoView(box, null);
      else target.scrollIntoView({ block: "center" });
    });
  });
})();
