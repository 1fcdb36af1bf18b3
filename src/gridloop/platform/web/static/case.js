// The case's point on a small map (no tiles unless a tile server is configured).
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el || !window.L) return;
  var lat = parseFloat(el.dataset.lat), lng = parseFloat(el.dataset.lng);
  var map = L.map(el, { attributionControl: false }).setView([lat, lng], 14);
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 18 }).addTo(map);
  L.circleMarker([lat, lng], { radius: 8, color: "#b91c1c" }).addTo(map);
})();
