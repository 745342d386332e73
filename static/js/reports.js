// Dashboard filters: typing a date picks "Custom dates"; picking a preset clears the dates.
// Without this script the form still works: the period select decides.
(function () {
  "use strict";
  document.querySelectorAll("form.report-filters").forEach(function (form) {
    var period = form.querySelector("select[name=period]");
    var dates = form.querySelectorAll("input[type=date]");
    if (!period) { return; }
    dates.forEach(function (input) {
      input.addEventListener("change", function () {
        if (input.value) { period.value = "custom"; }
      });
    });
    period.addEventListener("change", function () {
      if (period.value !== "custom") {
        dates.forEach(function (input) { input.value = ""; });
      }
    });
  });
})();
