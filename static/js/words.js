// The page's words for its scripts, in the page's language: base.html writes them as a
// JSON block (audit/script_words.py). words("saved", {time: "14:05"}) fills "{time}".
// A missing word reads as its key: no English is kept here.
(function () {
  "use strict";
  var block = document.getElementById("script-words");
  var all = {};
  try { all = JSON.parse(block ? block.textContent : "{}"); } catch (e) { all = {}; }
  window.words = function (key, values) {
    var text = Object.prototype.hasOwnProperty.call(all, key) ? all[key] : key;
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && values[name] !== undefined ? String(values[name]) : whole;
    });
  };
  window.words.all = all;
}());
