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
    var fill = function (s) {
      return s.replace("{days}", data.trend.days.length).replace("{now}", now).replace("{then}", then)
        .replace("{pct}", then ? (now >= then ? "+" : "") + Math.round((now - then) * 1000 / then) / 10 + "%" : "");
    };
    // "同比": the cases of these days against the same days a year before, said in words (not "202 / 0")
    yoy.textContent = fill(then ? L10n.yoy_text : L10n.yoy_none);
  }
  var mapEl = document.getElementById("board-map");
  if (!mapEl || !window.L) return;
  var byCode = {};
  data.children.forEach(function (c) { byCode[c.code] = c; });
  var maxOpen = Math.max.apply(null, [1].concat(data.children.map(function (c) { return c.open; })));
  function codeOf(p) { return String(p.code || p.area_code || p.adcode || p.id || ""); }
  // five classes of open cases, light to dark (one sequential scale, so more is darker everywhere)
  var SCALE = ["#eff6ff", "#bfdbfe", "#60a5fa", "#2563eb", "#1e3a8a"];
  var minOpen = Math.min.apply(null, [maxOpen].concat(data.children.map(function (c) { return c.open; })));
  var step = Math.max(1, Math.ceil((maxOpen - minOpen + 1) / SCALE.length));  // classes span the areas' range
  function klass(n) { return Math.min(SCALE.length - 1, Math.floor(Math.max(0, n - minOpen) / step)); }
  function colour(c) { return c ? SCALE[klass(c.open)] : "#e5e7eb"; }
  var legend = document.getElementById("map-legend");
  if (legend) {
    legend.textContent = "";
    var title = document.createElement("div");
    title.className = "legend-title";
    title.textContent = L10n.legend;
    legend.appendChild(title);
    SCALE.forEach(function (c, i) {
      var lo = minOpen + i * step, hi = lo + step - 1;
      if (lo > maxOpen) return;
      var row = document.createElement("div");
      var sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = c;
      row.appendChild(sw);
      row.appendChild(document.createTextNode(" " + lo + (Math.min(hi, maxOpen) > lo ? "–" + Math.min(hi, maxOpen) : "")));
      legend.appendChild(row);
    });
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
