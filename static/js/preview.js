// Live show_if in the phone preview (and any form built with visit_form/_question.html):
// a question with data-show-if is shown only while the controlling answer matches.
// Without this script every question stays visible.
(function () {
  "use strict";

  var root = document.querySelector("[data-preview]") || document;

  function currentValue(name) {
    var inputs = root.querySelectorAll('[name="' + name + '"]');
    if (!inputs.length) return undefined; // the controlling question is on another screen
    var na = root.querySelector('[name="' + name + '-na"]');
    if (na && na.checked) return null;
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) return input.value === "na" ? null : input.value;
      } else if (!input.disabled) {
        return input.value.trim() === "" ? null : input.value.trim();
      }
    }
    return null;
  }

  function matches(value, wanted) {
    if (value === null) return false;
    return wanted.some(function (w) {
      if (typeof w === "number") return value !== "" && Number(value) === w;
      return String(w).toLowerCase() === String(value).toLowerCase();
    });
  }

  function controllerHidden(name) {
    var box = document.getElementById(name + "-question");
    return box !== null && box.hidden;
  }

  function update() {
    // Questions come in form order, so one pass also hides chains of conditions.
    root.querySelectorAll("[data-show-if]").forEach(function (box) {
      var rule;
      try { rule = JSON.parse(box.getAttribute("data-show-if")); } catch (e) { return; }
      var value = currentValue(rule.field);
      if (value === undefined) { box.hidden = false; return; }
      box.hidden = controllerHidden(rule.field) || !matches(value, rule.values);
    });
  }

  function syncNotApplicable(event) {
    var box = event.target;
    if (!box.name || box.name.slice(-3) !== "-na" || box.type !== "checkbox") return;
    var input = document.getElementById(box.name.slice(0, -3));
    if (input) input.disabled = box.checked;
  }

  root.addEventListener("change", function (event) { syncNotApplicable(event); update(); });
  root.addEventListener("input", update);
  update();
})();
