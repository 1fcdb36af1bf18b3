// Operations board: trend chart with the year before (ECharts) and, when area shapes exist, a coloured map.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("board-data").textContent);
  var L10n = data.labels;
  var trendEl = document.getElementById("trend");
  if (trendEl && window.echarts) {
    var chart = echarts.init(trendEl, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: [L10n.this_year, L10n.last_year] },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: data.trend.days },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: L10n.this_year, type: "line", data: data.trend.this_year, smooth: true, areaStyle: { opacity: 0.08 } },
        { name: L10n.last_year, type: "line", data: data.trend.last_year, smooth: true, lineStyle: { type: "dashed" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
    var sum = function (a) { return a.reduce(function (s, x) { return s + x; }, 0); };
    var now = sum(data.trend.this_year), then = sum(data.trend.last_year);
    var yoy = document.getElementById("yoy");
    yoy.textContent = L10n.yoy + ": " + now + " / " + then +
      (then ? " (" + (now >= then ? "+" : "") + Math.round((now - then) * 1000 / then) / 10 + "%)" : "");
  }
  var mapEl = document.getElementById("board-map");
  if (!mapEl || !window.L) return;
  var byCode = {};
  data.children.forEach(function (c) { byCode[c.code] = c; });
  var maxOpen = Math.max.apply(null, [1].concat(data.children.map(function (c) { return c.open; })));
  function codeOf(p) { return String(p.code || p.area_code || p.adcode || p.id || ""); }
  function colour(c) {
    if (!c) return "#e5e7eb";
    if (c.overdue > 0) { var r = Math.min(1, c.overdue / Math.max(1, c.open)); return r > 0.3 ? "#b91c1c" : r > 0.1 ? "#f97316" : "#facc15"; }
    var k = c.open / maxOpen; return k > 0.66 ? "#1d4ed8" : k > 0.33 ? "#60a5fa" : "#bfdbfe";
  }
  var map = L.map(mapEl, { attributionControl: false });
  if (mapEl.dataset.tiles) L.tileLayer(mapEl.dataset.tiles, { maxZoom: 18 }).addTo(map);
  fetch(mapEl.dataset.geo, { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (geo) {
      var layer = L.geoJSON(geo, {
        filter: function (f) { return !!byCode[codeOf(f.properties || {})]; },
        style: function (f) { return { weight: 1, color: "#334155", fillOpacity: 0.6, fillColor: colour(byCode[codeOf(f.properties || {})]) }; },
        onEachFeature: function (f, l) {
          var c = byCode[codeOf(f.properties || {})];
          if (!c) return;
          var tip = document.createElement("div");
          tip.textContent = c.name + " · " + L10n.open + " " + c.open + " · " + L10n.overdue + " " + c.overdue;
          l.bindTooltip(tip);
          l.on("click", function () { window.location = "/board?area=" + encodeURIComponent(c.code); });
        }
      }).addTo(map);
      var b = layer.getBounds();
      if (b.isValid()) map.fitBounds(b); else mapEl.hidden = true;
    })
    .catch(function () { mapEl.hidden = true; });
})();
