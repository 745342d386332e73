// Scorecard builder: show only the fields of the chosen question type, add and remove
// option rows, make a new scorecard's slug from its title, and ask before deleting or
// publishing. The pages work without it (every field shows, grouped by type).
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

  // The options editors: "Add" copies the last row (emptied) under a new index, "Remove"
  // drops a row (the last one left is emptied instead). Without this script the spare
  // empty rows the server renders do the job, and an emptied row is left out.
  function rowIndex(row) {
    var input = row.querySelector("input[name]");
    var match = input && input.name.match(/-(\d+)-/);
    return match ? parseInt(match[1], 10) : 0;
  }

  function emptyRow(row) {
    row.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.classList.remove("is-invalid");
    });
    row.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
  }

  function wireRow(editor, row) {
    var remove = row.querySelector("[data-remove-row]");
    if (!remove) return;
    remove.hidden = false;
    remove.addEventListener("click", function () {
      var rows = editor.querySelectorAll("[data-option-row]");
      if (rows.length > 1) {
        var next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        var focus = next && next.querySelector("input");
        if (focus) focus.focus();
      } else {
        emptyRow(row);
        row.querySelector("input").focus();
      }
    });
  }

  document.querySelectorAll("[data-option-editor]").forEach(function (editor) {
    var list = editor.querySelector("[data-option-rows]");
    var add = editor.querySelector("[data-add-row]");
    editor.querySelectorAll("[data-option-row]").forEach(function (row) { wireRow(editor, row); });
    if (!list || !add) return;
    add.hidden = false;
    add.addEventListener("click", function () {
      var rows = list.querySelectorAll("[data-option-row]");
      var last = rows[rows.length - 1];
      var next = 0;
      rows.forEach(function (row) { next = Math.max(next, rowIndex(row) + 1); });
      var copy = last.cloneNode(true);
      var number = rows.length + 1;
      copy.querySelectorAll("input").forEach(function (input) {
        input.name = input.name.replace(/-\d+-/, "-" + next + "-");
        input.id = input.name;
      });
      copy.querySelectorAll("label[for]").forEach(function (label) {
        label.htmlFor = label.htmlFor.replace(/-\d+-/, "-" + next + "-");
        label.textContent = label.textContent.replace(/\d+,/, number + ",");
      });
      var remove = copy.querySelector("[data-remove-row]");
      if (remove) {
        remove.setAttribute("aria-label", remove.getAttribute("aria-label").replace(/\d+$/, number));
      }
      emptyRow(copy);
      list.appendChild(copy);
      wireRow(editor, copy);
      copy.querySelector("input").focus();
    });
  });

  // A new scorecard's slug follows its title until the manager edits the slug.
  var slugForm = document.querySelector("form[data-slug-form]");
  if (slugForm) {
    var title = slugForm.querySelector("#title");
    var slug = slugForm.querySelector("[data-slug]");
    var taken = JSON.parse(slugForm.getAttribute("data-taken") || "[]");
    var follows = slug && !slug.value;
    var makeSlug = function (text) {
      var base = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
        .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
      if (base.length > 40) {
        var cut = base.slice(0, 40);
        base = cut.indexOf("-") > 0 ? cut.slice(0, cut.lastIndexOf("-")) : cut;
      }
      if (!base) return "";
      var candidate = base;
      for (var n = 2; taken.indexOf(candidate) !== -1; n++) candidate = base + "-" + n;
      return candidate;
    };
    if (title && slug) {
      title.addEventListener("input", function () {
        if (follows) slug.value = makeSlug(title.value);
      });
      slug.addEventListener("input", function () { follows = slug.value === ""; });
    }
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
