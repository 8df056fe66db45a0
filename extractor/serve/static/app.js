// Keyboard for the audit page: j/k (or n/p) next and previous claim, a accept, r reject,
// f fix (type field=value, Enter), m misstated, / search, u back to the list, ? help.
(function () {
  "use strict";
  function $(sel, root) { return (root || document).querySelector(sel); }
  function go(sel) { var a = $(sel); if (a && a.href) { window.location = a.href; return true; } return false; }
  function focus(sel) { var el = $(sel); if (el) { el.focus(); if (el.select) el.select(); } return !!el; }
  function press(sel) { var b = $(sel); if (b) { b.form.requestSubmit(b); } return !!b; }

  // rows of a list: j/k move a highlight, Enter or o opens
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.list tbody tr[data-href]"));
  var current = -1;
  function highlight(i) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, k) { r.classList.toggle("current", k === current); });
    rows[current].scrollIntoView({block: "nearest"});
  }
  rows.forEach(function (r, k) { r.addEventListener("click", function (e) { if (e.target.tagName !== "A") { highlight(k); } }); });

  var help = $("#help");
  document.querySelectorAll("[data-help]").forEach(function (b) { b.addEventListener("click", function () { help.hidden = !help.hidden; }); });
  document.querySelectorAll("[data-fill]").forEach(function (b) {
    b.addEventListener("click", function () { var i = $("#fix-input"); i.value = b.dataset.fill; i.focus(); });
  });

  var selected = $(".card.selected");
  if (selected) { selected.scrollIntoView({block: "center"}); }

  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) {
      if (e.key === "Escape") { t.blur(); }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var done = false;
    switch (e.key) {
      case "j": case "n":
        done = rows.length && !selected ? (highlight(current + 1), true) : go("a[rel=next]"); break;
      case "k": case "p":
        done = rows.length && !selected ? (highlight(current - 1), true) : go("a[rel=prev]"); break;
      case "Enter": case "o":
        if (rows.length && current >= 0) { window.location = rows[current].dataset.href; done = true; } break;
      case "a": done = press("#accept"); break;
      case "r": done = press("#reject"); break;
      case "f": done = focus("#fix-input"); break;
      case "m": done = focus("#misstated-note"); break;
      case "/": done = focus("input[name=q]"); break;
      case "u": done = go("#back"); break;
      case "?": help.hidden = !help.hidden; done = true; break;
    }
    if (done) e.preventDefault();
  });
})();
