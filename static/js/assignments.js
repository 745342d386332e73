// A new assignment's branch picker. The page works without this script (plain checkboxes,
// a region's box counting for all its branches, and the server refusing a locked-out
// branch); with it, a filter box, a region's box ticking its branches, the chosen branches
// listed before sending, and the lockout shown beside each branch once the shopper and the
// window are known.
(function () {
  "use strict";

  var picker = document.getElementById("branch-picker");
  if (!picker) return;
  var form = picker.closest("form");
  var rows = Array.prototype.slice.call(picker.querySelectorAll("[data-branch]"));
  var summary = document.getElementById("chosen");

  function box(row) {
    return row.querySelector("input[type=checkbox]");
  }

  function noteOf(row) {
    var note = document.getElementById("lockout-" + row.getAttribute("data-branch"));
    return note && !note.hidden ? note.textContent.trim() : "";
  }

  // --- the filter ---------------------------------------------------------------------
  var filterBlock = picker.querySelector("[data-branch-filter]");
  var filter = document.getElementById("branch-filter");
  var noMatch = picker.querySelector("[data-no-match]");
  if (filterBlock && filter) {
    filterBlock.hidden = false;
    filter.addEventListener("input", function () {
      var terms = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.getAttribute("data-search");
        var match = terms.every(function (word) { return text.indexOf(word) !== -1; });
        row.hidden = !match;
        if (match) shown += 1;
      });
      Array.prototype.forEach.call(picker.querySelectorAll("[data-region]"), function (group) {
        group.hidden = !group.querySelector("[data-branch]:not([hidden])");
      });
      if (noMatch) noMatch.hidden = shown > 0;
    });
    // Enter in the filter box must not send the form.
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
  }

  // --- a region's box ticks its branches; it stays ticked only while all of them are ---
  function syncRegion(group) {
    var all = group.querySelector("[data-region-all]");
    if (!all) return;
    var boxes = Array.prototype.map.call(group.querySelectorAll("[data-branch]"), box);
    var ticked = boxes.filter(function (b) { return b.checked; }).length;
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  Array.prototype.forEach.call(picker.querySelectorAll("[data-region]"), function (group) {
    var all = group.querySelector("[data-region-all]");
    if (all) {
      if (all.checked) {
        group.querySelectorAll("[data-branch]").forEach(function (row) { box(row).checked = true; });
      }
      all.addEventListener("change", function () {
        group.querySelectorAll("[data-branch]").forEach(function (row) {
          box(row).checked = all.checked;
        });
        showChosen();
      });
    }
    syncRegion(group);
  });

  picker.addEventListener("change", function (event) {
    if (event.target.hasAttribute("data-region-all")) return;
    var group = event.target.closest("[data-region]");
    if (group) syncRegion(group);
    showChosen();
  });

  // --- the summary of what will be sent ------------------------------------------------
  function showChosen() {
    if (!summary) return;
    var chosen = rows.filter(function (row) { return box(row).checked; });
    var list = document.getElementById("chosen-list");
    var count = document.getElementById("chosen-count");
    var lockedLine = document.getElementById("chosen-locked");
    list.textContent = "";
    var locked = 0;
    chosen.forEach(function (row) {
      var item = document.createElement("li");
      item.textContent = row.getAttribute("data-label");
      var note = noteOf(row);
      if (note) {
        locked += 1;
        var span = document.createElement("span");
        span.className = "small text-danger-emphasis";
        span.textContent = " — " + note;
        item.appendChild(span);
      }
      list.appendChild(item);
    });
    // The words are the page's, in its language (words.js).
    var n = chosen.length;
    count.textContent = n === 0 ? words("noBranchChosen")
      : words(n === 1 ? "branchesChosenOne" : "branchesChosenMany", { n: n });
    lockedLine.hidden = locked === 0;
    lockedLine.textContent = locked === 0 ? "" :
      words(n === 1 ? "lockedOutOne" : "lockedOutMany", { locked: locked });
    summary.hidden = false;
  }

  // --- the lockout, asked of the server for the shopper and window chosen ---------------
  var shopper = form.querySelector("[name=shopper]");
  var start = form.querySelector("[name=window_start]");
  var asked = 0;

  function askLockout() {
    var url = picker.getAttribute("data-lockout-url");
    if (!url || !shopper || !start) return;
    var ask = ++asked;
    var query = "?shopper=" + encodeURIComponent(shopper.value || "0") +
      "&start=" + encodeURIComponent(start.value || "");
    fetch(url + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer || ask !== asked) return;  // an older answer arriving late
        rows.forEach(function (row) {
          var note = document.getElementById("lockout-" + row.getAttribute("data-branch"));
          var text = answer.branches[row.getAttribute("data-branch")] || "";
          note.textContent = text;
          note.hidden = !text;
        });
        showChosen();
      })
      .catch(function () { /* offline: the server still checks when the form is sent */ });
  }

  if (shopper) shopper.addEventListener("change", askLockout);
  if (start) start.addEventListener("change", askLockout);
  if (shopper && shopper.value && shopper.value !== "0") askLockout();
  showChosen();
})();
