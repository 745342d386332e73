// A calibration form (templates/calibration/answer.html, reference.html): shows a question
// only while the answer its show_if names matches, as the visit form does. The server
// applies the same rule (hidden questions are not asked), so this only spares the eye.
(function () {
  "use strict";
  var form = document.querySelector("[data-calibration-form]");
  if (!form) return;

  function valueOf(name) {
    var fields = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.type === "radio" || field.type === "checkbox") {
        if (field.checked) return field.value;
      } else if (field.value !== "") {
        return field.value;
      }
    }
    return null;
  }

  function refresh() {
    // In form order, so a question whose controller is hidden is hidden too.
    var shown = {};
    form.querySelectorAll("fieldset[data-question]").forEach(function (fieldset) {
      var rule = fieldset.getAttribute("data-show-if");
      var visible = true;
      if (rule) {
        var condition = JSON.parse(rule);
        var controller = condition.field.replace(/^answer-/, "");
        var value = valueOf(condition.field);
        visible = shown[controller] !== false && value !== null &&
          condition.values.map(String).indexOf(String(value)) !== -1;
      }
      shown[fieldset.getAttribute("data-question")] = visible;
      fieldset.hidden = !visible;
      var explain = form.querySelector('[data-explains="' + fieldset.getAttribute("data-question") + '"]');
      if (explain) explain.hidden = !visible;
    });
  }

  form.addEventListener("change", refresh);
  refresh();
})();
