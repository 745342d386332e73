// Scorecard builder: show only the fields of the chosen question type, and ask
// before deleting. The pages work without it (every field shows, grouped by type).
(function () {
  "use strict";

  function showTypeFields(select) {
    var type = select.value;
    document.querySelectorAll("[data-types]").forEach(function (el) {
      var types = el.getAttribute("data-types").split(/\s+/);
      var hasErrors = el.querySelector(".is-invalid") !== null;
      el.hidden = types.indexOf(type) === -1 && !hasErrors;
    });
  }

  function showConditionFields(select) {
    var details = document.querySelector("[data-show-if-details]");
    if (!details) return;
    var hasErrors = details.querySelector(".is-invalid") !== null;
    details.hidden = select.value === "" && !hasErrors;
  }

  var type = document.getElementById("type");
  if (type) {
    showTypeFields(type);
    type.addEventListener("change", function () { showTypeFields(type); });
  }
  var condition = document.getElementById("show_if_question");
  if (condition) {
    showConditionFields(condition);
    condition.addEventListener("change", function () { showConditionFields(condition); });
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
