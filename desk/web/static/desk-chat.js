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
  var lines = live.querySelector(".live-lines");
  var announce = document.getElementById("live-announce");
  var after = 0, seen = {};
  function show(line) {
    if (seen[line.seq]) return;
    seen[line.seq] = true;
    var li = document.createElement("li");
    li.className = "message " + (line.from === "citizen" ? "message-inbound" : "message-outbound");
    var who = document.createElement("strong");
    who.textContent = line.from === "citizen" ? live.dataset.you : line.author;
    li.appendChild(who);
    var body = document.createElement("div");
    body.className = "body";
    body.textContent = line.text;
    li.appendChild(body);
    lines.appendChild(li);
    if (line.from === "citizen" && after) announce.textContent = live.dataset.announce + ": " + line.text;
  }
  function poll(first) {
    fetch(live.dataset.poll + "?after=" + after + "&wait=" + (first ? 0 : 25),
      { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (data) { data.lines.forEach(show); after = data.after || after; }
        window.setTimeout(poll, data ? 0 : 3000);
      }).catch(function () { window.setTimeout(poll, 3000); });
  }
  poll(true);
  var form = document.getElementById("live-form");
  if (form) {
    var text = document.getElementById("live-text");
    var error = document.getElementById("live-error");
    var busy = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      // One request at a time: the reply is saved once, with its outbox row, by the server.
      if (busy || !text.value.trim()) return;
      busy = true;
      error.textContent = "";
      var body = new FormData();
      body.append("text", text.value);
      fetch(live.dataset.reply, { method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); })
        .then(function (result) {
          busy = false;
          if (!result.ok) { error.textContent = result.data.error || ""; return; }
          text.value = "";
          text.focus();
        }).catch(function () { busy = false; });
    });
  }
})();
