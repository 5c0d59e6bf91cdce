/* The desk's web chat widget. One <script src=".../chat/<channel>/widget.js"> on any page:
   a button opens the chat as a panel. With data-target="<id>" it fills that element
   instead (the desk's own chat page). No build step, no framework; everything the
   citizen or the desk writes is put in the page as text, never as HTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var base = script.src.replace(/\/widget\.js(\?.*)?$/, "");
  var api = base + "/api/";
  var KEY = "desk-chat:" + base;
  var lang = (document.documentElement.lang || "nb").toLowerCase().split("-")[0];
  // The words for "the chat cannot start here", by language, put here by the desk when it
  // serves this script: the status call that brings every other word may be refused.
  var FALLBACK = /*DESK-FALLBACK*/{};
  var S = {}, state = { token: null, after: 0, seen: {}, polling: false, mode: "chat" };
  try { var saved = JSON.parse(window.sessionStorage.getItem(KEY) || "null"); if (saved) state.token = saved.token; } catch (e) {}

  var css = ".dc-root{font:16px/1.4 system-ui,sans-serif;color:#1b1b1b}" +
    ".dc-launch{position:fixed;right:1rem;bottom:1rem;z-index:2147483000;background:#14477a;color:#fff;border:2px solid #fff;border-radius:2rem;padding:.7rem 1.2rem;font:inherit;font-weight:600;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}" +
    ".dc-launch:focus-visible,.dc-root button:focus-visible,.dc-root input:focus-visible,.dc-root textarea:focus-visible,.dc-body:focus-visible{outline:3px solid #b35c00;outline-offset:2px}" +
    ".dc-panel{position:fixed;right:1rem;bottom:4.5rem;z-index:2147483000;width:min(24rem,calc(100vw - 2rem));max-height:min(36rem,calc(100vh - 6rem));display:flex;flex-direction:column;background:#fff;border:1px solid #555;border-radius:.5rem;box-shadow:0 4px 16px rgba(0,0,0,.3)}.dc-panel[hidden]{display:none}" +
    ".dc-inline .dc-panel{position:static;width:auto;max-height:none;box-shadow:none}" +
    ".dc-head{display:flex;justify-content:space-between;align-items:center;background:#14477a;color:#fff;padding:.5rem .8rem;border-radius:.5rem .5rem 0 0}" +
    ".dc-head h2{font-size:1.05rem;margin:0;color:#fff}.dc-head button{background:transparent;color:#fff;border:1px solid #fff;border-radius:.3rem;font:inherit;padding:.2rem .5rem;cursor:pointer}" +
    ".dc-body{padding:.8rem;overflow:auto;flex:1}.dc-note{font-size:.9rem;background:#fff4e0;border-left:4px solid #b35c00;padding:.4rem .6rem;margin:0 0 .6rem}" +
    ".dc-log{list-style:none;margin:0;padding:0}.dc-log li{margin:.4rem 0;padding:.4rem .6rem;border-radius:.4rem;white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".dc-citizen{background:#e8eef6;margin-left:2rem!important}.dc-desk{background:#f1f1f1;margin-right:2rem!important}.dc-who{display:block;font-size:.8rem;font-weight:600;color:#333}" +
    ".dc-form{padding:.6rem .8rem;border-top:1px solid #ccc}.dc-form label{display:block;font-size:.9rem;margin:.3rem 0 .1rem}" +
    ".dc-form input[type=text],.dc-form input[type=email],.dc-form textarea{box-sizing:border-box;width:100%;font:inherit;padding:.35rem;border:1px solid #555;border-radius:.3rem;color:#1b1b1b;background:#fff}" +
    ".dc-form button{margin-top:.4rem;margin-right:.4rem;background:#14477a;color:#fff;border:0;border-radius:.3rem;padding:.45rem .9rem;font:inherit;cursor:pointer}" +
    ".dc-form button.dc-quiet{background:#fff;color:#14477a;border:1px solid #14477a}" +
    ".dc-sr{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}.dc-error{color:#a4000f}";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text; // text, never HTML
    return node;
  }
  function call(method, path, body, isForm) {
    var headers = {};
    if (state.token) headers.Authorization = "Bearer " + state.token;
    if (body && !isForm) headers["Content-Type"] = "application/json";
    return fetch(api + path, { method: method, headers: headers, mode: "cors", credentials: "omit",
      body: body ? (isForm ? body : JSON.stringify(body)) : undefined })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (d) { d._status = r.status; return d; }); });
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function save() { try { window.sessionStorage.setItem(KEY, JSON.stringify({ token: state.token })); } catch (e) {} }

  var root = el("div", { "class": "dc-root", lang: lang });
  var target = script.dataset.target ? document.getElementById(script.dataset.target) : null;
  var style = el("style"); style.textContent = css; document.head.appendChild(style);
  var launch = null, panel, body, log, live, form, heading;

  function build() {
    panel = el("section", { "class": "dc-panel", "aria-labelledby": "dc-title" });
    var head = el("div", { "class": "dc-head" });
    heading = el("h2", { id: "dc-title" }, S.title);
    head.appendChild(heading);
    if (launch) {
      var close = el("button", { type: "button" }, S.close);
      close.addEventListener("click", hide);
      head.appendChild(close);
    }
    panel.appendChild(head);
    // Scrolls: focusable, so the keyboard can scroll it too (WCAG 2.1.1).
    body = el("div", { "class": "dc-body", tabindex: "0", role: "region", "aria-labelledby": "dc-title" });
    if (S.privacy) body.appendChild(el("p", { "class": "dc-note" }, S.privacy));
    log = el("ol", { "class": "dc-log", "aria-label": S.title });
    body.appendChild(log);
    live = el("div", { "class": "dc-sr", role: "status", "aria-live": "polite" });
    body.appendChild(live);
    panel.appendChild(body);
    form = el("form", { "class": "dc-form", novalidate: "" });
    panel.appendChild(form);
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape" && launch) hide(); });
    root.appendChild(panel);
  }
  function announce(text) { live.textContent = ""; window.setTimeout(function () { live.textContent = text; }, 50); }
  function field(id, label, type, required) {
    var wrap = el("div");
    wrap.appendChild(el("label", { "for": id }, label));
    var input = type === "textarea" ? el("textarea", { id: id, rows: "3" }) : el("input", { id: id, type: type, autocomplete: type === "email" ? "email" : "name" });
    if (required) input.required = true;
    wrap.appendChild(input);
    form.appendChild(wrap);
    return input;
  }
  function button(text, quiet, type) {
    var b = el("button", { type: type || "button", "class": quiet ? "dc-quiet" : "" }, text);
    form.appendChild(b);
    return b;
  }
  function error(text) { var p = el("p", { "class": "dc-error", role: "alert" }, text); form.appendChild(p); }
  function show(line) {
    if (state.seen[line.seq]) return;
    state.seen[line.seq] = true;
    var li = el("li", { "class": line.from === "citizen" ? "dc-citizen" : "dc-desk" });
    li.appendChild(el("span", { "class": "dc-who" }, line.from === "citizen" ? S.you : (line.author || S.desk)));
    li.appendChild(document.createTextNode(line.text));
    (line.files || []).forEach(function (f) { li.appendChild(el("span", { "class": "dc-who" }, "📎 " + f.name)); });
    log.appendChild(li);
    body.scrollTop = body.scrollHeight;
    if (line.from !== "citizen") announce(S.new_message + ": " + line.text);
  }
  function startForm() {
    form.textContent = "";
    if (state.mode === "message") {
      form.appendChild(el("p", {}, state.reason === "closed" ? S.closed : S.busy));
      var n = field("dc-name", S.name, "text"), m = field("dc-email", S.email_required, "email", true),
        t = field("dc-text", S.message, "textarea", true);
      button(S.leave, false, "submit");
      form.onsubmit = function (e) {
        e.preventDefault();
        if (!m.value || !t.value.trim()) { error(S.error); return; }
        var go = state.token ? Promise.resolve({}) : call("POST", "start", { name: n.value, email: m.value, language: lang })
          .then(function (d) { if (d.token) { state.token = d.token; save(); } });
        go.then(function () { return call("POST", "leave", { id: uuid(), text: t.value, name: n.value, email: m.value }); })
          .then(function (d) {
            if (d._status !== 201) { error(d._status === 413 ? S.too_large : (d.error || S.error)); return; }
            form.textContent = "";
            var p = el("p", { tabindex: "-1" }, S.left + " " + d.receipt);
            p.style.whiteSpace = "pre-wrap"; form.appendChild(p); p.focus(); announce(S.left);
          });
      };
      (n).focus();
      return;
    }
    var name = field("dc-name", S.name, "text"), email = field("dc-email", S.email, "email");
    button(S.start, false, "submit");
    form.onsubmit = function (e) {
      e.preventDefault();
      call("POST", "start", { name: name.value, email: email.value, language: lang }).then(function (d) {
        if (!d.token) { error(d.error || S.error); return; }
        state.token = d.token; save(); chatForm(); announce(S.waiting); poll();
      });
    };
    name.focus();
  }
  function chatForm() {
    form.textContent = "";
    var text = field("dc-text", S.message, "textarea", true);
    var fileLabel = el("label", { "for": "dc-file" }, S.file);
    var file = el("input", { id: "dc-file", type: "file", accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf" });
    form.appendChild(fileLabel); form.appendChild(file);
    button(S.send, false, "submit");
    var end = button(S.end, true);
    var keep = el("label", {}); var box = el("input", { type: "checkbox", id: "dc-transcript" });
    keep.setAttribute("for", "dc-transcript"); keep.textContent = S.transcript;
    var wrap = el("div"); wrap.appendChild(box); wrap.appendChild(keep); form.appendChild(wrap);
    text.addEventListener("keydown", function (e) { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); } });
    form.onsubmit = function (e) {
      e.preventDefault();
      var words = text.value.trim();
      if (!words && !file.files.length) return;
      var id = uuid(), sending;
      if (file.files.length) {
        var data = new FormData(); data.append("id", id); data.append("text", words); data.append("file", file.files[0]);
        sending = call("POST", "files", data, true);
      } else sending = call("POST", "messages", { id: id, text: words });
      sending.then(function (d) {
        if (d._status === 401) { state.token = null; save(); startForm(); return; }
        if (d._status !== 201) { error(d._status === 413 ? S.too_large : (d.error || S.error)); return; }
        show({ seq: d.seq, from: "citizen", text: words || (file.files[0] && file.files[0].name) || "" });
        text.value = ""; file.value = ""; text.focus();
      }).catch(function () { error(S.error); });
    };
    end.addEventListener("click", function () {
      call("POST", "end", { transcript: box.checked }).then(function () {
        state.token = null; save(); form.textContent = "";
        var p = el("p", { tabindex: "-1" }, S.ended); form.appendChild(p); p.focus(); announce(S.ended);
      });
    });
    text.focus();
  }
  function poll() {
    if (state.polling || !state.token) return;
    state.polling = true;
    call("GET", "messages?after=" + state.after + "&wait=25").then(function (d) {
      state.polling = false;
      if (d._status === 401) { state.token = null; save(); return; }
      if (d.lines) { d.lines.forEach(show); state.after = d.after; }
      window.setTimeout(poll, d._status === 200 ? 0 : 3000);
    }).catch(function () { state.polling = false; window.setTimeout(poll, 3000); });
  }
  function unavailable() {
    form.textContent = "";
    var p = el("p", { "class": "dc-error", role: "alert", tabindex: "-1" }, S.unavailable);
    form.appendChild(p);
    p.focus();
  }
  function open() {
    if (!panel) {
      build();
      if (state.mode === "unavailable") unavailable();
      else if (state.token) { chatForm(); poll(); } else startForm();
    } else {
      panel.hidden = false;
      var first = form.querySelector("textarea,input,button,[tabindex]"); if (first) first.focus();
    }
    if (launch) launch.setAttribute("aria-expanded", "true");
  }
  function hide() {
    panel.hidden = true;
    launch.setAttribute("aria-expanded", "false");
    launch.focus();
  }

  function refused() {
    // This site may not use the chat (403: not in allowed_origins), or the desk is down.
    var key = { no: "nb", nob: "nb", nno: "nn", eng: "en" }[lang] || lang;
    return { strings: FALLBACK[key] || FALLBACK.nb || {}, mode: "unavailable" };
  }
  fetch(api + "status?lang=" + encodeURIComponent(lang), { mode: "cors", credentials: "omit" })
    .then(function (r) { return r.ok ? r.json() : refused(); }, refused).then(function (d) {
      if (!d || !d.strings) d = refused();
      S = d.strings; state.mode = d.mode; state.reason = d.reason;
      if (target) {
        root.classList.add("dc-inline"); target.appendChild(root); open();
      } else {
        launch = el("button", { type: "button", "class": "dc-launch", "aria-expanded": "false" }, S.open);
        launch.addEventListener("click", function () { if (panel && !panel.hidden) hide(); else open(); });
        root.appendChild(launch);
        document.body.appendChild(root);
      }
    });
})();
