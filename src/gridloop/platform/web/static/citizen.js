// The public reporting site: proof of work before sending (no CAPTCHA), the phone's position or a point on the
// map, the category suggested as the resident types; the public map of nearby reports.
(function () {
  "use strict";

  // SHA-256 in plain JavaScript: crypto.subtle exists only on HTTPS pages, and the puzzle needs many small hashes.
  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2]);
  var W = new Uint32Array(64);

  function firstWord(ascii) {
    // The first 32 bits of SHA-256(ascii); ascii is a plain ASCII string.
    var n = ascii.length, blocks = ((n + 8) >> 6) + 1, words = new Uint32Array(blocks * 16), i;
    for (i = 0; i < n; i++) words[i >> 2] |= ascii.charCodeAt(i) << (24 - (i % 4) * 8);
    words[n >> 2] |= 0x80 << (24 - (n % 4) * 8);
    words[blocks * 16 - 1] = n * 8;
    var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a, h4 = 0x510e527f, h5 = 0x9b05688c,
      h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (var b = 0; b < blocks; b++) {
      for (i = 0; i < 16; i++) W[i] = words[b * 16 + i];
      for (i = 16; i < 64; i++) {
        var x = W[i - 15], y = W[i - 2];
        var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
      }
      var a = h0, bb = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (i = 0; i < 64; i++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + bb) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    return h0 >>> 0;
  }

  function solve(token, bits, done) {
    // Find a nonce whose hash starts with `bits` zero bits (bits ≤ 32), in slices so the page stays responsive.
    var limit = Math.pow(2, 32 - bits), nonce = 0;
    (function slice() {
      for (var i = 0; i < 5000; i++, nonce++) {
        var candidate = nonce.toString(36);
        if (firstWord(token + ":" + candidate) < limit) return done(candidate);
      }
      setTimeout(slice, 0);
    })();
  }

  var form = document.getElementById("report-form");
  if (form) {
    var zh = document.documentElement.lang !== "en";
    var status = document.getElementById("pow-status");
    form.addEventListener("submit", function (ev) {
      if (form.nonce.value) return;
      ev.preventDefault();
      var button = document.getElementById("report-submit");
      button.disabled = true;
      status.textContent = zh ? "正在提交…" : "Sending…";
      solve(form.challenge.value, parseInt(form.dataset.bits, 10), function (nonce) {
        form.nonce.value = nonce;
        form.submit();
      });
    });

    var map = null, marker = null, mapEl = document.getElementById("report-map");
    function setPoint(lng, lat, accuracy) {
      form.lng.value = lng.toFixed(6);
      form.lat.value = lat.toFixed(6);
      form.accuracy.value = accuracy ? Math.round(accuracy) : "";
      if (map) {
        if (marker) marker.setLatLng([lat, lng]); else marker = L.marker([lat, lng]).addTo(map);
        map.setView([lat, lng], 16);
      }
    }
    if (window.L && mapEl) {
      map = L.map(mapEl).setView([31.23, 121.47], 11);
      var tiles = mapEl.dataset.tiles;
      if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
      map.on("click", function (e) { setPoint(e.latlng.lng, e.latlng.lat, null); });
      if (form.lng.value && form.lat.value) setPoint(parseFloat(form.lng.value), parseFloat(form.lat.value), null);
    }
    var locate = document.getElementById("locate-me"), locStatus = document.getElementById("locate-status");
    if (locate) locate.addEventListener("click", function () {
      if (!navigator.geolocation) { locStatus.textContent = zh ? "此浏览器不能定位" : "No location in this browser"; return; }
      locStatus.textContent = zh ? "定位中…" : "Locating…";
      navigator.geolocation.getCurrentPosition(function (p) {
        setPoint(p.coords.longitude, p.coords.latitude, p.coords.accuracy);
        locStatus.textContent = (zh ? "已定位，精度约 " : "Located, within about ") + Math.round(p.coords.accuracy) + (zh ? " 米" : " m");
      }, function () { locStatus.textContent = zh ? "无法定位，请在地图上选点或填写地址" : "Could not locate: pick on the map or type an address"; },
      { enableHighAccuracy: true, timeout: 10000 });
    });

    var text = document.getElementById("text"), select = document.getElementById("category");
    var hint = document.getElementById("category-hint"), timer = null;
    text.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (select.value || text.value.trim().length < 6) return;
        fetch("/report/suggest?text=" + encodeURIComponent(text.value.slice(0, 500)))
          .then(function (r) { return r.ok ? r.json() : {}; })
          .then(function (s) {
            if (!s.category || select.value) return;
            select.value = s.category;
            hint.textContent = zh ? "（根据描述推荐，可修改）" : "(suggested from your words; change it if wrong)";
          }).catch(function () {});
      }, 500);
    });
  }

  var nearby = document.getElementById("nearby-data"), nearbyMap = document.getElementById("nearby-map");
  if (nearby && nearbyMap && window.L) {
    var data = JSON.parse(nearby.textContent), m = L.map(nearbyMap).setView([31.23, 121.47], 11);
    var t = nearbyMap.dataset.tiles;
    if (t) L.tileLayer(t, { maxZoom: 17 }).addTo(m);
    data.points.forEach(function (p) { L.circle([p.lat, p.lng], { radius: 250 }).addTo(m); });
  }
})();
