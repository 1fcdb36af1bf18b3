// Dispatcher queue keys: j/k move between rows, Enter dispatches the focused row with the unit in its form.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("#queue-table tbody tr[data-id]"));
  if (!rows.length) return;
  var i = -1;
  function focus(n) { i = Math.max(0, Math.min(rows.length - 1, n)); rows[i].focus(); }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    if (e.key === "j") { focus(i + 1); e.preventDefault(); }
    else if (e.key === "k") { focus(i - 1); e.preventDefault(); }
    else if (e.key === "Enter" && i >= 0 && document.activeElement === rows[i]) {
      var f = rows[i].querySelector("form.inline-act");
      if (f && f.reportValidity()) { f.submit(); e.preventDefault(); }
    }
  });
})();
