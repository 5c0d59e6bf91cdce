/* The agent's side of the web chat: waiting chats on every page, and an inquiry's live
   conversation with a reply box that sends at once. Text only, never HTML. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.content : "";

  var desk = document.getElementById("chat-desk");
  if (desk) {
    var list = document.getElementById("chat-waiting");
    var known = {};
    var check = function () {
      fetch(desk.dataset.poll, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
          if (!data) return;
          list.textContent = "";
          if (!data.chats.length) return;
          var ul = document.createElement("ul");
          data.chats.forEach(function (chat) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            a.href = chat.url;
            a.textContent = chat.reference + " – " + chat.name;
            li.appendChild(a);
            li.appendChild(document.createTextNode(" (" + desk.dataset.waited.replace("__MIN__", Math.floor(chat.waited_seconds / 60)) + ")"));
            ul.appendChild(li);
            if (!known[chat.id] && data.available) {
              var note = document.createElement("p");
              note.className = "visually-hidden";
              note.textContent = desk.dataset.announce.replace("__NAME__", chat.name);
              list.appendChild(note);
            }
            known[chat.id] = true;
          });
          list.appendChild(ul);
        }).catch(function () {});
    };
    check();
    window.setInterval(check, 3000);
  }

  var live = document.getElementById("live-chat");
  if (!live) return;
  // The thread of the page is the conversation: a new line is added to it, unless the
  // page already shows its message (rendered with the page, or added before).
  var lines = document.getElementById("thread-list");
  var announce = document.getElementById("live-announce");
  var after = 0, polled = false;
  function show(line) {
    if (!lines || document.getElementById("message-" + line.message_id)) return;
    var li = document.createElement("li");
    li.className = "message " + (line.from === "citizen" ? "message-inbound" : "message-outbound");
    li.id = "message-" + line.message_id;
    var article = document.createElement("article");
    var header = document.createElement("header");
    var who = document.createElement("strong");
    who.textContent = line.from === "citizen" ? live.dataset.you : (line.author || live.dataset.desk);
    header.appendChild(who);
    var at = new Date(line.at);
    if (!isNaN(at)) {
      var time = document.createElement("time");
      time.dateTime = line.at;
      time.textContent = at.toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
      header.appendChild(document.createTextNode(" · "));
      header.appendChild(time);
    }
    article.appendChild(header);
    var body = document.createElement("div");
    body.className = "body";
    body.textContent = line.text;
    article.appendChild(body);
    if (line.files && line.files.length) {
      var files = document.createElement("ul");
      files.className = "attachments";
      line.files.forEach(function (f) {
        var item = document.createElement("li");
        item.textContent = f.name; // the link comes with the page, on the next load
        files.appendChild(item);
      });
      article.appendChild(files);
    }
    li.appendChild(article);
    lines.appendChild(li);
    if (line.from === "citizen" && polled) announce.textContent = live.dataset.announce + ": " + line.text;
  }
  function poll(first) {
    fetch(live.dataset.poll + "?after=" + after + "&wait=" + (first ? 0 : 25),
      { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (data) { data.lines.forEach(show); after = data.after || after; polled = true; }
        window.setTimeout(poll, data ? 0 : 3000);
      }).catch(function () { window.setTimeout(poll, 3000); });
  }
  poll(true);
  // The reply box's own id, new each time the box is cleared: Send pressed again after a
  // network error sends the same key, and the server returns the first answer, not a copy.
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  var form = document.getElementById("live-form");
  if (form) {
    var text = document.getElementById("live-text");
    var error = document.getElementById("live-error");
    var key = document.getElementById("live-key");
    var busy = false;
    key.value = uuid();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      // One request at a time: the reply is saved once, with its outbox row, by the server.
      if (busy || !text.value.trim()) return;
      busy = true;
      error.textContent = "";
      var body = new FormData();
      body.append("text", text.value);
      body.append("key", key.value);
      fetch(live.dataset.reply, { method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); })
        .then(function (result) {
          busy = false;
          if (!result.ok) { error.textContent = result.data.error || ""; return; }
          text.value = "";
          key.value = uuid();
          text.focus();
        }).catch(function () { busy = false; error.textContent = live.dataset.failed; });
    });
  }
})();
