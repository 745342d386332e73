// Reviewer comment library: choosing a saved comment copies its text into the reason box,
// where the reviewer can adjust it. Without this script the server uses the chosen comment
// when the reason box is left empty, so every form works either way.
(function () {
  "use strict";

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
})();
