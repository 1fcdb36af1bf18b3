/* The grid worker app's outbox: reports, photos and check-ins wait in IndexedDB and are sent in order when the
   network is there. Every request carries an Idempotency-Key derived from the job id, so a retry after a lost
   answer returns what the server already stored: nothing is lost, nothing is sent twice. */
(function (root) {
  "use strict";
  var DB = "gridloop-field", STORE = "jobs", VERSION = 1;

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, VERSION);
      req.onupgradeneeded = function () {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: "id" });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), out;
        var store = t.objectStore(STORE);
        var r = fn(store);
        if (r) r.onsuccess = function () { out = r.result; };
        t.oncomplete = function () { db.close(); resolve(out); };
        t.onerror = t.onabort = function () { db.close(); reject(t.error); };
      });
    });
  }

  function put(job) { return tx("readwrite", function (s) { return s.put(job); }); }
  function del(id) { return tx("readwrite", function (s) { return s.delete(id); }); }
  function all() {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (jobs) {
      return (jobs || []).sort(function (a, b) { return a.created - b.created; });
    });
  }

  function newId() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    return "j-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function HttpError(status, body) {
    this.status = status;
    this.body = body || {};
    this.detail = (body && (body.errors && body.errors.length ? body.errors.map(function (e) { return e.message; }).join("；") : body.detail)) || ("HTTP " + status);
  }

  function send(method, url, body, headers, csrf) {
    var h = Object.assign({ "Accept": "application/json", "X-CSRF-Token": csrf || "" }, headers || {});
    var payload = body;
    if (body && !(body instanceof FormData)) { h["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
    return fetch(url, { method: method, headers: h, body: payload, credentials: "same-origin" }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) throw new HttpError(r.status, data);
        return data;
      });
    });
  }

  /* One job to the server, step by step; progress is saved after each step so a crash resumes where it was. */
  function run(job, csrf) {
    if (job.kind === "checkin") {
      return send("POST", "/api/v1/field/tasks/" + job.taskId + "/checkins", job.body, { "Idempotency-Key": job.id }, csrf);
    }
    var chain = Promise.resolve();
    if (!job.caseId) {
      chain = send("POST", "/api/v1/cases", job.body, { "Idempotency-Key": job.id }, csrf).then(function (c) {
        job.caseId = c.id; job.number = c.number; return put(job);
      });
    }
    (job.photos || []).forEach(function (p, i) {
      chain = chain.then(function () {
        if ((job.done || []).indexOf(i) >= 0) return null;
        var form = new FormData();
        form.append("file", p.blob, p.name || ("photo-" + i + ".jpg"));
        form.append("step", p.step || "report");
        return send("POST", "/api/v1/cases/" + job.caseId + "/attachments", form, { "Idempotency-Key": job.id + "-p" + i }, csrf)
          .then(function () { job.done = (job.done || []).concat([i]); return put(job); });
      });
    });
    return chain.then(function () { return job; });
  }

  var running = null;

  /* Send every waiting job in order. Stops at the first network failure (the rest waits for the next try);
     a refusal (4xx) is kept on the job with the server's words, never dropped. */
  function freshToken(fallback) {
    return fetch("/api/v1/field/csrf", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (d) { return d.csrf || fallback; }, function () { return fallback; });
  }

  function sync(csrf, onEvent) {
    if (running) return running;
    onEvent = onEvent || function () {};
    running = Promise.all([all(), freshToken(csrf)]).then(function (both) {
      var jobs = both[0];
      csrf = both[1];
      var i = 0;
      function next() {
        if (i >= jobs.length) return null;
        var job = jobs[i++];
        if (job.error) return next();
        return run(job, csrf).then(function () {
          return del(job.id).then(function () { onEvent("sent", job); return next(); });
        }, function (err) {
          if (err instanceof HttpError && err.status === 401) {  // logged out, or a stale CSRF token
            onEvent("auth", job); return null;
          }
          if (err instanceof HttpError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
            job.error = err.detail;
            return put(job).then(function () { onEvent("failed", job); return next(); });
          }
          onEvent("offline", job); return null;  // network down or server busy: try again later
        });
      }
      return next();
    }).then(function (v) { running = null; return v; }, function (e) { running = null; throw e; });
    return running;
  }

  root.GLQueue = { put: put, del: del, all: all, newId: newId, sync: sync, send: send, HttpError: HttpError };
})(typeof self !== "undefined" ? self : this);
