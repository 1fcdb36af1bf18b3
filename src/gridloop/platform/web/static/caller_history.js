// The caller's history on the intake form: earlier cases from the number being typed (and open cases at the
// same address), each with its status and one-click buttons that make the call a follow-up, a merge or a reopen.
(function () {
  "use strict";
  var box = document.getElementById("caller-history");
  var form = document.getElementById("intake-form");
  if (!box || !form) return;
  var body = document.getElementById("caller-history-body");
  var words = JSON.parse(document.getElementById("caller-history-words").textContent);
  var lang = box.getAttribute("data-lang") === "en" ? "en" : "zh";
  var csrf = document.querySelector("meta[name=csrf-token]");
  var phone = form.querySelector("[name=reporter_phone]");
  var address = form.querySelector("[name=address]");
  var timer = null;
  var last = "";

  function when(iso) {
    try {
      return new Date(iso).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", {
        timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"
      });
    } catch (e) { return iso.slice(0, 16).replace("T", " "); }
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function item(c) {
    var li = el("li", "history-item");
    li.setAttribute("data-case-id", String(c.id));
    var head = el("div", "history-head");
    var link = el("a", "", c.number);
    link.href = "/cases/" + c.id;
    link.target = "_blank";
    link.rel = "noopener";
    head.appendChild(link);
    var badge = el("span", "badge", c.status_label[lang]);
    badge.style.background = c.status_colour;
    head.appendChild(badge);
    head.appendChild(el("span", "muted small", when(c.received_at)));
    li.appendChild(head);
    li.appendChild(el("div", "history-title", c.title));
    if (c.lead_unit) li.appendChild(el("div", "muted small", words.unit + "：" + c.lead_unit));
    if (c.offers.length) {
      var actions = el("div", "history-actions");
      c.offers.forEach(function (mode) {
        var b = el("button", mode === "merge" ? "primary" : "secondary", words[mode]);
        b.type = "submit";
        b.name = "repeat";
        b.value = mode + ":" + c.id;
        b.setAttribute("formaction", "/intake/repeat");
        b.setAttribute("formnovalidate", "");
        actions.appendChild(b);
      });
      li.appendChild(actions);
    }
    return li;
  }

  function section(title, rows) {
    if (!rows.length) return;
    body.appendChild(el("h4", "", title));
    var ul = el("ul", "history-list");
    rows.forEach(function (c) { ul.appendChild(item(c)); });
    body.appendChild(ul);
  }

  function show(data) {
    body.textContent = "";
    section(words.by_phone, data.by_phone);
    section(words.near, data.near);
    if (!data.by_phone.length && !data.near.length) body.appendChild(el("p", "muted small", words.none));
    if (data.masked) body.appendChild(el("p", "muted small", words.masked));
    box.hidden = false;
  }

  function look() {
    var p = phone ? phone.value.trim() : "";
    var a = address ? address.value.trim() : "";
    var digits = p.replace(/\D/g, "");
    if (digits.length < 7) p = "";
    if (!p && a.length < 4) { box.hidden = true; return; }
    var key = p + "|" + a;
    if (key === last) return;
    last = key;
    fetch("/api/v1/intake/caller-history", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf ? csrf.content : "" },
      body: JSON.stringify({ phone: p, address: a })
    }).then(function (r) {
      if (r.status === 429) { body.textContent = words.busy; box.hidden = false; return null; }
      return r.ok ? r.json() : null;
    }).then(function (d) { if (d && key === last) show(d); }).catch(function () {});
  }

  function soon() { clearTimeout(timer); timer = setTimeout(look, 400); }
  if (phone) phone.addEventListener("input", soon);
  if (address) address.addEventListener("change", soon);
  soon();  // a restored draft or a re-shown form
})();
