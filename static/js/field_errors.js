/* Errors beside a field go away once the user changes that field.
 *
 * Server-rendered forms mark a refused field with .is-invalid and put the message in an
 * .invalid-feedback next to it (templates/_macros.html render_field), or point to it with
 * aria-describedby="…-error" (radio groups, the branch picker). A message that stays red
 * after the field was fixed reads as "still wrong", so the first input or change of the
 * field clears its invalid state and removes its message. The server checks again on
 * the next submit. Loaded on every page from templates/base.html (no inline script: CSP).
 */
(function () {
  "use strict";

  function isError(el) {
    return el && el.classList && (el.classList.contains("invalid-feedback") || /-error$/.test(el.id || ""));
  }

  function dropReference(holder, id) {
    var ids = (holder.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) { return x && x !== id; });
    if (ids.length) holder.setAttribute("aria-describedby", ids.join(" "));
    else holder.removeAttribute("aria-describedby");
  }

  // Messages named by aria-describedby on the control or on a group around it.
  function describedErrors(control, form) {
    var found = [];
    for (var el = control; el && el !== form.parentNode; el = el.parentElement) {
      (el.getAttribute("aria-describedby") || "").split(/\s+/).forEach(function (id) {
        var target = id && document.getElementById(id);
        if (isError(target)) found.push({ holder: el, message: target });
      });
    }
    return found;
  }

  // An .invalid-feedback beside the control, or in the small wrapper around a radio group,
  // as long as that wrapper holds no other field's error.
  function nearbyErrors(group, form) {
    var name = group[0].name;
    var el = group[0].parentElement;
    for (var level = 0; el && el !== form && level < 3; level += 1, el = el.parentElement) {
      var others = Array.prototype.some.call(el.querySelectorAll(".is-invalid"), function (c) {
        return group.indexOf(c) < 0 && (!name || c.name !== name);
      });
      if (others) return [];
      var messages = el.querySelectorAll(".invalid-feedback");
      if (messages.length) return Array.prototype.slice.call(messages);
    }
    return [];
  }

  function clear(event) {
    var control = event.target;
    if (!control || !control.form || !control.name) return;
    var form = control.form;
    var group = [control];
    if (control.type === "radio" || control.type === "checkbox") {
      group = Array.prototype.filter.call(form.elements, function (c) { return c.name === control.name; });
    }
    var marked = group.some(function (c) { return c.classList.contains("is-invalid") || c.getAttribute("aria-invalid") === "true"; });
    var described = describedErrors(control, form);
    if (!marked && !described.length) return;
    described.forEach(function (d) {
      dropReference(d.holder, d.message.id);
      d.message.remove();
    });
    if (marked) nearbyErrors(group, form).forEach(function (m) {
      if (m.id) group.forEach(function (c) { dropReference(c, m.id); });
      m.remove();
    });
    group.forEach(function (c) {
      c.classList.remove("is-invalid");
      c.removeAttribute("aria-invalid");
    });
  }

  document.addEventListener("input", clear);
  document.addEventListener("change", clear);
})();
