// Emergency pages: hazards, an incident and teams as coloured circles on a Leaflet map (tiles when configured).
(function () {
  "use strict";
  var el = document.getElementById("em-map");
  var dataEl = document.getElementById("em-data");
  if (!el || !dataEl || !window.L) return;
  var data = JSON.parse(dataEl.textContent);
  var COLOURS = { red: "#d7191c", orange: "#fd8d3c", yellow: "#e6b800", blue: "#2b83ba" };
  var map = L.map(el, { attributionControl: false });
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 18 }).addTo(map);
  var layer = L.featureGroup().addTo(map);
  (data.points || []).forEach(function (p) {
    var c = COLOURS[p.colour] || "#64748b";
    L.circleMarker([p.lat, p.lng], { radius: p.kind === "incident" ? 10 : 7, color: c, fillColor: c, fillOpacity: 0.8 })
      .bindTooltip(p.title || p.number || "").addTo(layer);
  });
  (data.teams || []).forEach(function (t) {
    var c = t.status === "deployed" ? "#f59e0b" : t.status === "available" ? "#16a34a" : "#6b7280";
    L.circleMarker([t.lat, t.lng], { radius: 5, color: c, fillColor: c, fillOpacity: 0.9 })
      .bindTooltip(t.name + " · " + t.skills.join("、")).addTo(layer);
  });
  if (layer.getLayers().length) map.fitBounds(layer.getBounds().pad(0.2), { maxZoom: 15 });
  else map.setView([31.23, 121.47], 10);
})();
