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

// On a phone, long sections (league, heatmap, lists of visits) start folded, so the page
// opens on its headline figures and charts; each summary says how many rows it holds.
// Without this script every section is open; on wider screens they always are.
(function () {
  "use strict";
  var folds = document.querySelectorAll("details[data-fold-narrow]");
  if (!folds.length || !window.matchMedia) { return; }
  var narrow = window.matchMedia("(max-width: 575.98px)");
  function apply() {
    folds.forEach(function (fold) { fold.open = !narrow.matches; });
  }
  apply();
  if (narrow.addEventListener) { narrow.addEventListener("change", apply); }
})();
