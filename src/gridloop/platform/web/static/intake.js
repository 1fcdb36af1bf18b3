// Intake form: keeps a draft in this browser (survives an expired login), asks for suggestions while typing,
// and lets the operator click a point on the map. No framework; all text is inserted with textContent.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) return;
  var KEY = "gridloop.intake.draft." + (form.dataset.user || "");
  var FIELDS = ["title", "text", "request_type", "channel", "urgency", "category", "reporter_name",
    "reporter_phone", "address", "area_code", "lng", "lat", "reply"];
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var labels = JSON.parse(document.getElementById("suggest-labels").textContent);

  function values() {
    var out = {};
    FIELDS.forEach(function (n) { if (form.elements[n]) out[n] = form.elements[n].value; });
    return out;
  }
  function save() {
    var v = values();
    var any = FIELDS.some(function (n) { return n !== "request_type" && n !== "channel" && v[n]; });
    if (any) localStorage.setItem(KEY, JSON.stringify(v)); else localStorage.removeItem(KEY);
  }
  if (form.dataset.clearDraft === "1") {
    localStorage.removeItem(KEY);
  } else {
    var hasServerValues = form.elements.text.value.trim() !== "";
    var raw = localStorage.getItem(KEY);
    if (raw && !hasServerValues) {
      try {
        var draft = JSON.parse(raw);
        FIELDS.forEach(function (n) { if (form.elements[n] && draft[n] != null) form.elements[n].value = draft[n]; });
        document.getElementById("draft-note").hidden = false;
      } catch (e) { localStorage.removeItem(KEY); }
    }
  }
  document.getElementById("draft-discard").addEventListener("click", function () {
    localStorage.removeItem(KEY);
    form.reset();
    FIELDS.forEach(function (n) { if (form.elements[n] && form.elements[n].tagName !== "SELECT") form.elements[n].value = ""; });
    document.getElementById("draft-note").hidden = true;
  });
  form.addEventListener("input", save);
  form.addEventListener("change", save);

  // Suggestions: debounced POST; nothing is shown when no triage/locator is configured.
  var body = document.getElementById("suggest-body");
  var timer = null, seq = 0;
  function el(tag, text, cls) { var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
  function group(title) { var g = el("div", null, "sg"); g.appendChild(el("div", title, "sg-h")); body.appendChild(g); return g; }
  function useButton(field, value) {
    var b = el("button", labels.use, "link"); b.type = "button";
    b.addEventListener("click", function () { form.elements[field].value = value; save(); });
    return b;
  }
  function show(data) {
    body.textContent = "";
    body.className = "";
    var shown = false;
    if (data.triage && data.triage.category) {
      var g = group(labels.category);
      var line = el("div", data.triage.category + " (" + Math.round(data.triage.confidence * 100) + "%) ");
      line.appendChild(useButton("category", data.triage.category));
      g.appendChild(line); shown = true;
    }
    if (data.triage && data.triage.urgency && data.triage.urgency !== "normal") {
      var gu = group(labels.urgency);
      var lu = el("div", (data.triage.urgency_label || data.triage.urgency) + (data.triage.urgency_reason ? " · " + data.triage.urgency_reason : "") + " ");
      lu.appendChild(useButton("urgency", data.triage.urgency));
      gu.appendChild(lu); shown = true;
    }
    if (data.areas && data.areas.length) {
      var ga = group(labels.area);
      data.areas.forEach(function (a) {
        var la = el("div", (a.name || a.code) + " · " + a.code + " ");
        la.appendChild(useButton("area_code", a.code)); ga.appendChild(la);
      });
      shown = true;
    }
    if (data.duplicates && data.duplicates.length) {
      var gd = group(labels.duplicates);
      data.duplicates.forEach(function (d) {
        var row = el("div"); var a = el("a", d.number); a.href = "/cases/" + d.id; a.target = "_blank";
        row.appendChild(a); row.appendChild(document.createTextNode(" " + d.title)); gd.appendChild(row);
      });
      shown = true;
    }
    if (!shown) { body.textContent = labels.none; body.className = "muted"; }
  }
  function ask() {
    var v = values();
    if ((v.text || "").trim().length < 4 && (v.title || "").trim().length < 4) return;
    var mine = ++seq;
    var lng = parseFloat(v.lng), lat = parseFloat(v.lat);
    fetch("/intake/suggest", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ title: v.title, text: v.text, address: v.address || null,
        lng: isNaN(lng) ? null : lng, lat: isNaN(lat) ? null : lat })
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && mine === seq) show(data); })
      .catch(function () {});
  }
  ["title", "text", "address"].forEach(function (n) {
    form.elements[n].addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 400); });
  });

  // Map click sets the point (WGS-84). Drawn only when area shapes or a tile server are configured.
  var mapEl = document.getElementById("intake-map");
  if (mapEl && window.L) {
    var map = L.map(mapEl, { attributionControl: false }).setView([31.23, 121.47], 9);
    if (mapEl.dataset.tiles) L.tileLayer(mapEl.dataset.tiles, { maxZoom: 18 }).addTo(map);
    if (mapEl.dataset.geo) {
      fetch(mapEl.dataset.geo, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (g) { if (g) L.geoJSON(g, { style: { weight: 1, color: "#1d4ed8", fillOpacity: 0.05 } }).addTo(map); });
    }
    var marker = null;
    function place(lat, lng) {
      if (marker) marker.setLatLng([lat, lng]); else marker = L.marker([lat, lng]).addTo(map);
    }
    if (form.elements.lat.value && form.elements.lng.value) place(+form.elements.lat.value, +form.elements.lng.value);
    map.on("click", function (e) {
      form.elements.lng.value = e.latlng.lng.toFixed(6);
      form.elements.lat.value = e.latlng.lat.toFixed(6);
      place(e.latlng.lat, e.latlng.lng); save(); ask();
    });
    document.getElementById("clear-point").addEventListener("click", function () {
      form.elements.lng.value = ""; form.elements.lat.value = "";
      if (marker) { map.removeLayer(marker); marker = null; } save();
    });
  }
})();
