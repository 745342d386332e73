// The public survey page works without this: it folds the e-mail field away until the
// customer ticks "you may contact me", and stops a second tap from sending twice.
(function () {
  "use strict";
  document.documentElement.className += " js";
  var box = document.getElementById("contact");
  var email = document.getElementById("email-box");
  var field = document.getElementById("email");
  if (box && email) {
    var fold = function () {
      var open = box.checked || (field && field.value);
      email.className = open ? "email" : "email folded";
    };
    box.addEventListener("change", function () {
      fold();
      if (box.checked && field) field.focus();
    });
    fold();
  }
  var form = document.querySelector("form");
  if (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) window.setTimeout(function () { button.disabled = true; }, 0);
    });
  }
})();
