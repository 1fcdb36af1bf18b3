/* The grid worker app (/m/): tabs, the grid map, the report form (photos, position, dictation, 就地解决),
   patrol check-ins and my reports. Writes go through GLQueue (IndexedDB) so they survive being offline. */
(function () {
  "use strict";
  var S = JSON.parse(document.getElementById("m-strings").textContent);
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var Q = window.GLQueue;
  var $ = function (id) { return document.getElementById(id); };
  var fmt = function (key, params) {
    var s = S[key] || key;
    Object.keys(params || {}).forEach(function (k) { s = s.replace("{" + k + "}", params[k]); });
    return s;
  };
  var esc = function (v) {
    return String(v == null ? "" : v).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  };
  function localTime(iso) {
    if (!iso) return "";
    try {
      return new Date(iso).toLocaleString(document.body.dataset.lang === "en" ? "en-GB" : "zh-CN",
        { timeZone: "Asia/Shanghai", hour12: false, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
    } catch (e) { return iso.slice(0, 16).replace("T", " "); }
  }
  var state = { position: null, photos: [], after: [], overview: null, map: null, layers: null };

  function toast(text, kind) {
    var el = $("m-toast");
    el.textContent = text; el.className = "m-toast" + (kind ? " " + kind : ""); el.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { el.hidden = true; }, 4000);
  }

  /* ---- tabs ---- */
  function show(tab) {
    document.querySelectorAll(".m-view").forEach(function (v) { v.hidden = v.dataset.view !== tab; });
    document.querySelectorAll(".m-tabs button").forEach(function (b) { b.classList.toggle("active", b.dataset.tab === tab); });
    if (tab === "map" && state.map) setTimeout(function () { state.map.invalidateSize(); }, 50);
    if (tab === "report" && !state.position) locate();
    if (history.replaceState) history.replaceState(null, "", "#" + tab);
  }
  document.querySelectorAll(".m-tabs button").forEach(function (b) {
    b.addEventListener("click", function () { show(b.dataset.tab); });
  });

  /* ---- network state and the queue ---- */
  function renderNet() {
    var on = navigator.onLine;
    var el = $("m-net");
    el.dataset.online = on ? "1" : "0";
    el.textContent = on ? S["m.online"] : S["m.offline"];
  }
  function renderPending() {
    return Q.all().then(function (jobs) {
      var el = $("m-pending");
      el.hidden = !jobs.length;
      el.textContent = fmt("m.pending", { n: jobs.length });
      el.dataset.count = String(jobs.length);
      return jobs;
    });
  }
  function flush() {
    if (!navigator.onLine) { renderPending(); return Promise.resolve(); }
    return Q.sync(csrf, function (what, job) {
      if (what === "sent" && job.kind === "report") toast(fmt("m.sent", { number: job.number || "" }));
      if (what === "failed") toast(fmt("m.failed", { detail: job.error }), "error");
      if (what === "auth") toast(S["m.login_again"], "error");
    }).then(function () { return renderPending(); }).then(function () { return load(); }, function () { renderPending(); });
  }
  window.addEventListener("online", function () { renderNet(); flush(); });
  window.addEventListener("offline", renderNet);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) flush(); });
  setInterval(function () { if (navigator.onLine) flush(); }, 30000);

  /* ---- position (the browser gives WGS-84; the server converts and stores it with its accuracy) ---- */
  function locate() {
    if (!navigator.geolocation) { $("r-pos").textContent = S["m.position.denied"]; return Promise.resolve(null); }
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(function (p) {
        state.position = { lng: p.coords.longitude, lat: p.coords.latitude, accuracy: Math.round(p.coords.accuracy || 0) };
        $("r-pos").textContent = fmt("m.position.got", { m: state.position.accuracy });
        $("r-pos").dataset.lng = state.position.lng; $("r-pos").dataset.lat = state.position.lat;
        if (state.map && state.here) state.here.setLatLng([state.position.lat, state.position.lng]);
        resolve(state.position);
      }, function () { $("r-pos").textContent = S["m.position.denied"]; resolve(null); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }
  $("r-pos-btn").addEventListener("click", locate);

  /* ---- photos: kept as blobs; very large ones shrunk on the phone before they wait in the queue ---- */
  function shrink(file) {
    if (file.size < 1500000 || !window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file).then(function (bmp) {
      var scale = Math.min(1, 1920 / Math.max(bmp.width, bmp.height));
      var c = document.createElement("canvas");
      c.width = Math.round(bmp.width * scale); c.height = Math.round(bmp.height * scale);
      c.getContext("2d").drawImage(bmp, 0, 0, c.width, c.height);
      return new Promise(function (resolve) { c.toBlob(function (b) { resolve(b || file); }, "image/jpeg", 0.85); });
    }, function () { return file; });
  }
  function pick(input, list, box) {
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      Promise.all(files.map(shrink)).then(function (blobs) {
        blobs.forEach(function (b, i) {
          list.push({ blob: b, name: files[i].name || "photo.jpg" });
          var img = document.createElement("img");
          img.src = URL.createObjectURL(b); img.alt = files[i].name || "";
          box.appendChild(img);
        });
        input.value = "";
      });
    });
  }
  pick($("r-photos"), state.photos, $("r-thumbs"));
  pick($("r-after"), state.after, $("r-after-thumbs"));
  $("r-onspot").addEventListener("change", function () { $("r-onspot-box").hidden = !this.checked; });

  /* ---- dictation where the browser has it (Web Speech API) ---- */
  var Rec = window.SpeechRecognition || window.webkitSpeechRecognition;
  if (Rec) {
    var btn = $("r-voice");
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var rec = new Rec();
      rec.lang = document.body.dataset.lang === "en" ? "en-US" : "zh-CN";
      rec.interimResults = false;
      btn.disabled = true; btn.textContent = S["m.voice.listening"];
      rec.onresult = function (e) {
        var said = Array.prototype.map.call(e.results, function (r) { return r[0].transcript; }).join("");
        var box = $("r-text"); box.value = (box.value ? box.value + " " : "") + said;
      };
      rec.onend = rec.onerror = function () { btn.disabled = false; btn.textContent = S["m.voice"]; };
      rec.start();
    });
  }

  /* ---- report: saved to the queue first, then sent (now, or when the network is back) ---- */
  $("m-report").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = $("r-text").value.trim();
    var onSpot = $("r-onspot").checked;
    var reply = $("r-reply").value.trim();
    $("r-text-error").hidden = !!text; $("r-text-error").textContent = S["m.need_text"];
    $("r-reply-error").hidden = !onSpot || !!reply; $("r-reply-error").textContent = S["m.need_text"];
    if (!text || (onSpot && !reply)) return;
    var category = $("r-category").value;
    var body = {
      title: text.slice(0, 30), text: text, channel: "patrol", request_type: "complaint",
      reported_at: new Date().toISOString(),
    };
    if (category) body.category = category;
    var address = $("r-address").value.trim();
    if (address) body.address = address;
    if (state.position) {
      body.lng = state.position.lng; body.lat = state.position.lat; body.crs = "wgs84";
      body.position_accuracy = state.position.accuracy;
    }
    if (onSpot) body.resolve_on_spot = reply;
    var photos = state.photos.map(function (p) { return { blob: p.blob, name: p.name, step: onSpot ? "before" : "report" }; })
      .concat(state.after.map(function (p) { return { blob: p.blob, name: p.name, step: "after" }; }));
    var job = { id: Q.newId(), kind: "report", created: Date.now(), body: body, photos: photos, done: [], caseId: null };
    Q.put(job).then(function () {
      $("m-report").reset(); $("r-onspot-box").hidden = true;
      state.photos.length = 0; state.after.length = 0;
      $("r-thumbs").innerHTML = ""; $("r-after-thumbs").innerHTML = "";
      toast(S["m.queued"]);
      return renderPending();
    }).then(function () { renderMine(); return flush(); });
  });

  /* ---- patrol check-ins (queued like reports) ---- */
  function checkIn(taskId, item) {
    var go = function (pos) {
      var body = { item: item, crs: "wgs84" };
      if (pos) { body.lng = pos.lng; body.lat = pos.lat; body.accuracy = pos.accuracy; }
      return Q.put({ id: Q.newId(), kind: "checkin", created: Date.now(), taskId: taskId, body: body })
        .then(function () { toast(S["m.queued"]); return renderPending(); }).then(flush);
    };
    return locate().then(go);
  }

  /* ---- rendering ---- */
  function renderCases(ov) {
    $("n-cases").textContent = ov.cases.length; $("n-hazards").textContent = ov.hazards.length;
    $("m-cases").innerHTML = ov.cases.slice(0, 30).map(function (c) {
      return '<li><div class="m-row"><a href="/cases/' + c.id + '">' + esc(c.number) + '</a><span class="m-badge" style="background:' + esc(c.status_colour || "") + '">' +
        esc(c.status_label) + '</span></div><div>' + esc(c.title) + '</div><div class="m-meta">' + esc(c.address || "") + '</div></li>';
    }).join("");
  }
  function renderTasks(ov) {
    if (!ov.tasks.length) { $("m-tasks").innerHTML = '<li class="m-meta">' + esc(S["m.no_tasks"]) + "</li>"; return; }
    $("m-tasks").innerHTML = ov.tasks.map(function (task) {
      return '<li data-task="' + task.id + '"><div class="m-row"><strong>' + esc(task.title) + '</strong><span class="m-badge">' +
        esc(task.status === "done" ? S["m.checked"] : "") + '</span></div>' + (task.note ? '<div class="m-meta">' + esc(task.note) + "</div>" : "") +
        '<ul class="m-items">' + task.checklist.map(function (it) {
          return "<li><span>" + esc(it.label) + "</span>" + (it.done ? '<span class="m-badge spot">' + esc(S["m.checked"]) + "</span>" :
            '<button type="button" class="m-btn small" data-checkin="' + task.id + ":" + it.index + '">' + esc(S["m.checkin"]) + "</button>") + "</li>";
        }).join("") + "</ul></li>";
    }).join("");
  }
  $("m-tasks").addEventListener("click", function (e) {
    var b = e.target.closest("[data-checkin]");
    if (!b) return;
    var parts = b.dataset.checkin.split(":");
    b.disabled = true;
    checkIn(Number(parts[0]), Number(parts[1]));
  });
  function renderMine() {
    return Q.all().then(function (jobs) {
      var waiting = jobs.filter(function (j) { return j.kind === "report"; }).map(function (j) {
        return '<li class="queued"><div class="m-row"><span>' + esc(j.number || "…") + '</span><span class="m-badge ' + (j.error ? "failed" : "queued") + '">' +
          esc(j.error ? fmt("m.failed", { detail: j.error }) : S["m.queued"]) + "</span></div><div>" + esc(j.body.text.slice(0, 60)) +
          '</div><div class="m-meta">' + esc(fmt("m.photos_n", { n: j.photos.length })) + "</div></li>";
      });
      var sent = ((state.overview && state.overview.reports) || []).map(function (c) {
        return '<li data-case="' + c.id + '"><div class="m-row"><a href="/cases/' + c.id + '">' + esc(c.number) + "</a>" +
          (c.resolved_on_spot ? '<span class="m-badge spot">' + esc(S["m.on_spot_badge"]) + "</span>" : '<span class="m-badge" style="background:' + esc(c.status_colour || "") + '">' + esc(c.status_label) + "</span>") +
          "</div><div>" + esc(c.title) + '</div><div class="m-meta">' + esc(fmt("m.photos_n", { n: c.photos })) + " · " + esc(localTime(c.received_at)) + "</div></li>";
      });
      var all = waiting.concat(sent);
      $("m-mine").innerHTML = all.length ? all.join("") : '<li class="m-meta">' + esc(S["m.no_reports"]) + "</li>";
    });
  }
  function renderMap(ov) {
    if (!window.L) return;
    if (!state.map) {
      var el = $("m-map");
      state.map = L.map(el, { zoomControl: true, attributionControl: false }).setView([31.23, 121.47], 12);
      if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(state.map);
      state.layers = L.layerGroup().addTo(state.map);
    }
    state.layers.clearLayers();
    var bounds = [];
    if (ov.grid.outline && ov.grid.outline.features.length) {
      var g = L.geoJSON(ov.grid.outline, { style: { color: "#1d4ed8", weight: 2, fillOpacity: 0.06 } }).addTo(state.layers);
      bounds.push(g.getBounds());
    }
    ov.cases.forEach(function (c) {
      if (c.lat == null) return;
      L.circleMarker([c.lat, c.lng], { radius: 8, color: "#2563eb", fillOpacity: 0.8 })
        .bindPopup('<a href="/cases/' + c.id + '">' + esc(c.number) + "</a><br>" + esc(c.title)).addTo(state.layers);
      bounds.push(L.latLngBounds([[c.lat, c.lng], [c.lat, c.lng]]));
    });
    ov.tasks.forEach(function (task) {  // a patrol route, when the street office gave one
      if (!task.route || task.status !== "open") return;
      L.polyline(task.route.map(function (p) { return [p[1], p[0]]; }), { color: "#16a34a", weight: 4, dashArray: "6 6" })
        .bindPopup(esc(task.title)).addTo(state.layers);
    });
    ov.hazards.forEach(function (h) {
      if (h.lat == null) return;
      L.circleMarker([h.lat, h.lng], { radius: 8, color: "#dc2626", fillOpacity: 0.8 }).bindPopup(esc(h.title)).addTo(state.layers);
    });
    if (bounds.length) {
      var b = bounds[0];
      bounds.slice(1).forEach(function (x) { b.extend(x); });
      state.map.fitBounds(b, { padding: [20, 20], maxZoom: 16 });
    }
  }
  $("m-locate").addEventListener("click", function () {
    locate().then(function (p) {
      if (!p || !state.map) return;
      if (!state.here) state.here = L.circleMarker([p.lat, p.lng], { radius: 9, color: "#16a34a", fillOpacity: 1 }).addTo(state.map);
      state.map.setView([p.lat, p.lng], 17);
    });
  });

  /* the overview is cached for offline starts */
  function load() {
    if (!navigator.onLine) {
      try { state.overview = JSON.parse(localStorage.getItem("gl-overview-" + document.body.dataset.user) || "null"); } catch (e) { state.overview = null; }
      if (state.overview) draw(state.overview);
      return renderMine();
    }
    return fetch("/api/v1/field/overview?lang=" + (document.body.dataset.lang === "en" ? "en" : "zh"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (ov) {
        state.overview = ov;
        try { localStorage.setItem("gl-overview-" + document.body.dataset.user, JSON.stringify(ov)); } catch (e) { /* full */ }
        draw(ov);
      }, function () { renderMine(); });
  }
  function draw(ov) {
    $("m-grid").textContent = ov.grid.name || "";
    renderCases(ov); renderTasks(ov); renderMap(ov); renderMine();
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/m/sw.js", { scope: "/m/" }).catch(function (e) { console.warn("service worker: " + e); });
    navigator.serviceWorker.addEventListener("message", function (e) { if (e.data === "sync") flush(); });
  }
  renderNet();
  var first = (location.hash || "#map").slice(1);
  show(["map", "report", "tasks", "mine"].indexOf(first) >= 0 ? first : "map");
  load().then(flush);
})();
