/* Service worker of the grid worker app (scope /m/): keeps the app shell for offline starts, and asks open
   pages to send what waits in the queue when the browser reports connectivity again (Background Sync). */
"use strict";
var CACHE = "gridloop-m-v1";
var SHELL = [
  "/m/",
  "/static/m.css",
  "/static/m.js",
  "/static/m-queue.js",
  "/static/vendor/leaflet/leaflet.js",
  "/static/vendor/leaflet/leaflet.css",
  "/static/favicon.svg",
  "/static/m-icon-192.png",
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

/* The shell: network first (fresh page and CSRF token), the cached copy when offline. API calls are never cached. */
self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  var isShell = url.pathname === "/m/" || SHELL.indexOf(url.pathname) >= 0;
  if (!isShell) return;
  event.respondWith(fetch(req).then(function (res) {
    if (res.ok && !res.redirected) {
      var copy = res.clone();
      caches.open(CACHE).then(function (c) { c.put(url.pathname === "/m/" ? "/m/" : req, copy); });
    }
    return res;
  }).catch(function () {
    return caches.match(url.pathname === "/m/" ? "/m/" : req).then(function (hit) {
      return hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    });
  }));
});

self.addEventListener("sync", function (event) {
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (list) {
    list.forEach(function (c) { c.postMessage("sync"); });
  }));
});
