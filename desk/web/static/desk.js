/* Makes the pages live; every page works without it. No build step. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.content : "";
  var live = document.querySelector(".flashes"); // the page's aria-live region
  var QUEUE_KEY = "desk.queue";
  var SHORTCUTS_KEY = "desk.shortcuts";

  function announce(text) {
    if (!live || !text) return;
    var p = document.createElement("p");
    p.className = "flash flash-info";
    p.textContent = text;
    live.appendChild(p);
  }

  function every(seconds, fn) {
    fn();
    return window.setInterval(function () { if (!document.hidden) fn(); }, seconds * 1000);
  }

  /* The queue: new rows without a reload, and the list j/k walks through. */
  var table = document.getElementById("queue");
  function rememberQueue() {
    var urls = Array.prototype.map.call(
      document.querySelectorAll("tr[data-inquiry]"), function (row) { return row.dataset.inquiry; });
    try { window.sessionStorage.setItem(QUEUE_KEY, JSON.stringify(urls)); } catch (e) { /* private mode */ }
  }
  if (table) {
    rememberQueue();
    if (table.dataset.poll) {
      var since = table.dataset.since;
      window.setInterval(function () {
        if (document.hidden) return;
        var url = new URL(table.dataset.poll, window.location.href);
        url.searchParams.set("since", since);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data || !data.count) return;
            var holder = document.createElement("template");
            holder.innerHTML = data.html.join("");
            Array.prototype.forEach.call(holder.content.querySelectorAll("tr"), function (row) {
              row.classList.add("row-new");
            });
            table.tBodies[0].prepend(holder.content);
            since = String(data.since);
            var empty = document.getElementById("queue-empty");
            if (empty) empty.hidden = true;
            announce(data.count === 1 ? table.dataset.announceOne
              : table.dataset.announceMany.replace("__N__", data.count));
            rememberQueue();
          })
          .catch(function () { /* offline for a moment: try again next time */ });
      }, 15000);
    }
  }

  /* The inquiry page: who else is here, and standard replies while writing. */
  var inquiry = document.querySelector(".inquiry[data-presence]");
  if (inquiry) {
    var box = document.getElementById("collision");
    var lastTyped = 0;
    var shown = "";
    ["reply-text", "note-text"].forEach(function (id) {
      var field = document.getElementById(id);
      if (field) field.addEventListener("input", function () { lastTyped = Date.now(); });
    });
    var ping = function () {
      var body = new FormData();
      body.append("typing", Date.now() - lastTyped < 20000 ? "1" : "0");
      fetch(inquiry.dataset.presence, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, Accept: "application/json" }
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (!data || !box) return;
        var typing = data.others.filter(function (o) { return o.typing; }).map(function (o) { return o.name; });
        var names = data.others.map(function (o) { return o.name; });
        var text = typing.length ? box.dataset.typing.replace("__NAMES__", typing.join(", "))
          : names.length ? box.dataset.open.replace("__NAMES__", names.join(", ")) : "";
        if (text === shown) return;
        shown = text;
        box.hidden = !text;
        box.textContent = "";
        if (text) {
          var p = document.createElement("p");
          p.textContent = text;
          box.appendChild(p);
          announce(text);
        }
      }).catch(function () { /* try again next time */ });
    };
    every(15, ping);
    window.addEventListener("pagehide", function () {
      var body = new FormData();
      body.append("leaving", "1");
      body.append("csrf_token", csrf);
      if (navigator.sendBeacon) navigator.sendBeacon(inquiry.dataset.presence, body);
    });

    var search = document.getElementById("sr");
    var results = document.getElementById("sr-results");
    var reply = document.getElementById("reply-text");
    if (search && results && reply) {
      var timer = 0;
      search.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          var url = new URL(inquiry.dataset.replies, window.location.href);
          url.searchParams.set("q", search.value);
          fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
            .then(function (data) {
              if (!data) return;
              results.textContent = "";
              data.replies.forEach(function (item) {
                var li = document.createElement("li");
                var button = document.createElement("button");
                button.type = "button";
                button.className = "link-button";
                button.textContent = item.title;
                button.addEventListener("click", function () { insert(item); });
                li.appendChild(button);
                results.appendChild(li);
              });
            }).catch(function () {});
        }, 250);
      });
      var insert = function (item) {
        var start = reply.selectionStart || 0, end = reply.selectionEnd || 0;
        reply.value = reply.value.slice(0, start) + item.text + reply.value.slice(end);
        reply.focus();
        reply.setSelectionRange(start + item.text.length, start + item.text.length);
        lastTyped = Date.now();
        announce(item.title);
      };
    }
  }

  /* Keyboard shortcuts: single keys, never while typing, and they can be switched off. */
  var help = document.getElementById("shortcuts");
  var helpButton = document.getElementById("shortcuts-open");
  var toggle = document.getElementById("shortcuts-enabled");
  function enabled() {
    try { return window.localStorage.getItem(SHORTCUTS_KEY) !== "off"; } catch (e) { return true; }
  }
  if (help && helpButton) {
    helpButton.hidden = false;
    helpButton.addEventListener("click", function () { help.showModal(); });
  }
  if (toggle) {
    toggle.checked = enabled();
    toggle.addEventListener("change", function () {
      try { window.localStorage.setItem(SHORTCUTS_KEY, toggle.checked ? "on" : "off"); } catch (e) {}
    });
  }
  function typingIn(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }
  function step(delta) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-inquiry]"));
    if (rows.length) { // on a list: move the focus between rows
      var current = rows.findIndex(function (row) { return row.contains(document.activeElement); });
      var next = rows[Math.max(0, Math.min(rows.length - 1, current + delta))];
      var link = next.querySelector("a");
      if (link) link.focus();
      return;
    }
    var urls = [];
    try { urls = JSON.parse(window.sessionStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) {}
    var at = urls.indexOf(window.location.pathname);
    if (at >= 0 && urls[at + delta]) window.location.assign(urls[at + delta]);
  }
  function focus(id) {
    var element = document.getElementById(id);
    if (element) { element.scrollIntoView({ block: "center" }); element.focus(); }
  }
  function press(id) {
    var button = document.getElementById(id);
    if (button) button.click();
  }
  var keys = {
    j: function () { step(1); }, k: function () { step(-1); },
    r: function () { focus("reply-text"); }, n: function () { focus("note-text"); },
    c: function () { press("action-claim"); }, o: function () { focus("route-unit"); },
    e: function () { press("action-resolve"); },
    "/": function () {
      if (document.getElementById("search-q")) focus("search-q");
      else if (helpButton) window.location.assign(document.querySelector('a[href$="/search"]').href);
    },
    "?": function () { if (help) help.showModal(); }
  };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typingIn(event.target) || !enabled() || (help && help.open)) return;
    var action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  /* A form sent back with errors: its summary is read out first (WCAG 3.3.1). */
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
