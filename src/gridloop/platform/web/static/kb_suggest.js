// Knowledge-base answers on the intake form (the knowledge capability's partial kb_suggest.html): debounced
// suggestions with citations, the article card, "answer directly" and "no answer found". Text via textContent only.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  var box = document.getElementById("kb-suggest");
  if (!form || !box) return;
  var L = JSON.parse(document.getElementById("kb-labels").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var list = document.getElementById("kb-list");
  var card = document.getElementById("kb-card");
  var timer = null, seq = 0, current = null;
  function el(tag, text, cls) { var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
  function query() { return ((form.elements.title.value || "") + " " + (form.elements.text.value || "")).trim(); }
  function dates(a) {
    var s = a.effective_from ? L.from + " " + a.effective_from : "";
    return (s ? s + " " : "") + (a.expires_on ? L.until + " " + a.expires_on : L.open);
  }
  function showCard(a) {
    current = a;
    document.getElementById("kb-card-title").textContent = a.title;
    document.getElementById("kb-card-citation").textContent = a.citation;
    document.getElementById("kb-card-version").textContent = L.version.replace("{n}", a.version);
    document.getElementById("kb-card-dates").textContent = dates(a);
    document.getElementById("kb-card-department").textContent = a.department || L.unknown;
    document.getElementById("kb-card-body").textContent = a.body;
    card.hidden = false;
  }
  function open(id) {
    fetch("/api/v1/kb/articles/" + encodeURIComponent(id), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (a) { if (a) showCard(a); });
  }
  // The passage with the matched terms in <mark> (longest first; text nodes only).
  function marked(text, terms) {
    var div = el("div", null, "kb-passage small muted");
    var words = terms.filter(function (w) { return w && w.length > 1; }).sort(function (a, b) { return b.length - a.length; });
    var i = 0, plain = "";
    while (i < text.length) {
      var hit = null;
      for (var k = 0; k < words.length; k++) { if (text.substr(i, words[k].length) === words[k]) { hit = words[k]; break; } }
      if (hit) {
        if (plain) { div.appendChild(document.createTextNode(plain)); plain = ""; }
        div.appendChild(el("mark", hit)); i += hit.length;
      } else { plain += text.charAt(i); i += 1; }
    }
    if (plain) div.appendChild(document.createTextNode(plain));
    return div;
  }
  function render(items) {
    list.textContent = ""; list.className = "";
    if (!items.length) { list.textContent = L.none; list.className = "muted"; return; }
    var ol = el("ol", null, "kb-hits");
    items.forEach(function (s) {
      var li = el("li", null, "kb-hit"); li.dataset.sourceId = s.source_id;
      var b = el("button", s.title, "link kb-open"); b.type = "button";
      b.addEventListener("click", function () { open(s.source_id); });
      li.appendChild(b);
      li.appendChild(el("div", s.citation, "kb-citation small"));
      if (s.passage) li.appendChild(marked(s.passage, s.matched || []));
      ol.appendChild(li);
    });
    list.appendChild(ol);
  }
  function ask() {
    var q = query();
    if (q.length < 4) return;
    var mine = ++seq;
    fetch("/api/v1/kb/suggest?top=5&q=" + encodeURIComponent(q.slice(0, 2000)), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d && mine === seq) render(d.suggestions || []); })
      .catch(function () {});
  }
  ["title", "text"].forEach(function (n) {
    form.elements[n].addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 400); });
  });
  if (query().length >= 4) ask();
  document.getElementById("kb-close").addEventListener("click", function () { card.hidden = true; });
  document.getElementById("kb-answer").addEventListener("click", function () {
    if (!current) return;
    form.elements.kb_source_id.value = current.source_id;
    form.elements.kb_version.value = current.version;
    if (!form.elements.reply.value.trim()) {
      form.elements.reply.value = L.reply.replace("{c}", current.citation) + current.body.slice(0, 800);
    }
    form.action = "/kb/intake/answer";
    form.submit();
  });
  document.getElementById("kb-none").addEventListener("click", function () {
    var note = document.getElementById("kb-gap-note");
    var q = query();
    if (q.length < 2) { note.textContent = L.gap_empty; note.className = "flash flash-warn"; note.hidden = false; return; }
    var sel = form.elements.category;
    var cat = sel && sel.value ? sel.options[sel.selectedIndex].textContent.trim() : "";
    fetch("/api/v1/kb/gaps", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ query: q.slice(0, 2000), department: cat, category: sel ? sel.value : "" })
    }).then(function (r) {
      note.textContent = r.ok ? L.gap : String(r.status); note.className = r.ok ? "flash flash-ok" : "flash flash-error";
      note.hidden = false;
    });
  });
})();
