// The bell in the header (unread count), live notices by server-sent events (toasts, the notice centre's list),
// and the follow button of a case page. Nothing here when the notices capability is not installed (404).
(function () {
  "use strict";
  var bell = document.getElementById("notice-bell");
  if (!bell) return;
  var zh = document.body.getAttribute("data-lang") !== "en";
  var lang = zh ? "zh" : "en";
  var words = zh
    ? { follow: "关注此工单", unfollow: "取消关注", unread: "未读通知" }
    : { follow: "Follow this case", unfollow: "Unfollow", unread: "unread notices" };
  var count = document.getElementById("notice-count");
  var unread = 0;

  function show() {
    count.textContent = unread > 99 ? "99+" : String(unread);
    count.hidden = unread === 0;
    var heading = document.getElementById("notices-unread");
    if (heading) heading.textContent = zh ? "未读 " + unread + " 条" : unread + " unread";
    bell.setAttribute("aria-label", bell.getAttribute("title") + (unread ? " · " + unread + " " + words.unread : ""));
  }

  function line(n, tag) {
    var el = document.createElement(tag);
    var badge = document.createElement("span");
    badge.className = "badge";
    badge.style.background = n.colour;
    badge.textContent = n.kind_label[lang];
    el.appendChild(badge);
    el.appendChild(document.createTextNode(" "));
    var text = document.createElement(n.case_id ? "a" : "span");
    if (n.case_id) text.href = "/cases/" + n.case_id;
    text.className = "notice-text";
    text.textContent = n.message[lang];
    el.appendChild(text);
    return el;
  }

  function toast(n) {
    var box = document.getElementById("notice-toasts");
    if (!box) return;
    var el = line(n, "div");
    el.className = "toast";
    el.setAttribute("data-id", String(n.id));
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 12000);
  }

  function prepend(n) {
    var list = document.getElementById("notice-list");
    if (!list) return;
    var li = line(n, "li");
    li.className = "notice unread";
    li.setAttribute("data-id", String(n.id));
    list.insertBefore(li, list.firstChild);
    var empty = document.getElementById("notice-empty");
    if (empty) empty.remove();
  }

  function listen() {
    if (!window.EventSource) return;
    var source = new EventSource("/api/v1/notices/stream");  // reconnects by itself, sending Last-Event-ID
    source.addEventListener("notice", function (ev) {
      var n = JSON.parse(ev.data);
      unread += 1;
      show();
      toast(n);
      prepend(n);
    });
  }

  function followBox() {
    var box = document.getElementById("follow-box");
    if (!box) return;
    var id = box.getAttribute("data-case-id");
    fetch("/api/v1/notices/follows/" + id, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (!d) return;
        var form = document.createElement("form");
        form.method = "post";
        form.action = "/cases/" + id + "/follow";
        form.className = "inline";
        var csrf = document.querySelector("meta[name=csrf-token]");
        [["csrf", csrf ? csrf.content : ""], ["on", d.following ? "0" : "1"]].forEach(function (kv) {
          var input = document.createElement("input");
          input.type = "hidden"; input.name = kv[0]; input.value = kv[1];
          form.appendChild(input);
        });
        var button = document.createElement("button");
        button.type = "submit";
        button.className = "secondary";
        button.id = "follow-button";
        button.setAttribute("aria-pressed", d.following ? "true" : "false");
        button.textContent = d.following ? words.unfollow : words.follow;
        form.appendChild(button);
        box.appendChild(form);
      });
  }

  fetch("/api/v1/notices/unread-count", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (d) {
      if (!d) return;
      bell.hidden = false;
      unread = d.unread;
      show();
      listen();
      followBox();
    })
    .catch(function () {});
})();
