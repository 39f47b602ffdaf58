/*
 * Senpai chat widget. Add it to any page with one tag:
 *
 *   <script src="https://senpai.example/static/widget.js" data-senpai-url="https://senpai.example" defer></script>
 *
 * No framework and no build step. Every bot and user text is inserted as text
 * (textContent), never as HTML; only http(s) links become anchors.
 */
(function () {
  "use strict";
  if (window.__senpaiWidget) { return; }
  window.__senpaiWidget = true;

  var script = document.currentScript;
  var base = ((script && script.getAttribute("data-senpai-url")) ||
              (script && new URL(script.src, location.href).origin) || "").replace(/\/+$/, "");
  var TIMEOUT_MS = 15000;
  var SLOW_MS = 4000;
  var store = (function () {
    try { localStorage.setItem("senpai.test", "1"); localStorage.removeItem("senpai.test"); return localStorage; }
    catch (e) { var m = {}; return { getItem: function (k) { return m[k] || null; }, setItem: function (k, v) { m[k] = v; } }; }
  }());

  // The conversation's id is issued by Senpai with the first reply and kept here; it
  // is the key to this conversation, so it is never made up or shared by the widget.
  var sender = store.getItem("senpai.sender") || null;
  function keep(id) { if (id && id !== sender) { sender = id; store.setItem("senpai.sender", id); } }
  function forget() { sender = null; store.setItem("senpai.sender", ""); }

  // The widget's own words, in English and Japanese. The language follows the
  // conversation (each reply says which), else data-lang on the script tag, else
  // the host page's lang.
  var STRINGS = {
    en: {
      launch: "Ask Senpai", dialog: "Senpai, orientation assistant", iam: "I am", roleNone: "I'm...",
      roleAlt: "I'm an ALT", roleJte: "I'm a JTE", close: "Close chat", log: "Conversation with Senpai",
      question: "Your question", placeholder: "Ask about your role, JTEs, JET...", send: "Send",
      chips: "Suggested replies", rate: "Was this helpful?", helpfulQ: "Helpful?", helpful: "Helpful",
      notHelpful: "Not helpful", feedbackFailed: "Feedback could not be saved.", feedbackThanks: "Thanks for the feedback.",
      source: "Source: ", participant: " Participant: ", typing: "Senpai is typing ",
      slow: "Still thinking, thanks for waiting ",
      rate429: "You're sending messages quickly. Please wait {s} seconds and try again.", some: "a few",
      down: "Senpai is unavailable right now. Please try again in a minute.",
      notSent: "That message could not be sent.", tooLong: "Senpai is taking too long to answer. Please try again.",
      offline: "Senpai is unavailable right now. Please check your connection and try again.",
      welcome: "Hi, I'm Senpai! Ask me about your role as an ALT, working with JTEs, or what the JET Programme is for. My answers come from research with JET ALTs, and I always say where they come from.",
      suggestions: ["What is my role as an ALT?", "How can I work well with my JTE?", "What is the JET Programme for?", "What do ALTs want from orientations?"]
    },
    ja: {
      launch: "Senpaiに質問", dialog: "Senpai（オリエンテーション・アシスタント）", iam: "立場", roleNone: "立場を選ぶ",
      roleAlt: "ALTです", roleJte: "JTEです", close: "チャットを閉じる", log: "Senpaiとの会話",
      question: "質問", placeholder: "ALTの役割、JTEとの協働、JETについて質問…", send: "送信",
      chips: "質問の候補", rate: "この回答は役に立ちましたか？", helpfulQ: "役に立ちましたか？", helpful: "役に立った",
      notHelpful: "役に立たなかった", feedbackFailed: "評価を保存できませんでした。", feedbackThanks: "評価をありがとうございます。",
      source: "出典: ", participant: " 参加者: ", typing: "Senpaiが入力中 ",
      slow: "考えています。少々お待ちください ",
      rate429: "送信が続いています。{s}秒ほど待ってから、もう一度お試しください。", some: "数",
      down: "Senpaiは現在ご利用いただけません。少し時間をおいて、もう一度お試しください。",
      notSent: "メッセージを送信できませんでした。", tooLong: "応答に時間がかかっています。もう一度お試しください。",
      offline: "Senpaiに接続できません。ネットワークを確認して、もう一度お試しください。",
      welcome: "こんにちは、Senpaiです！ALTの役割やアイデンティティ、JTEとの協働、JETプログラムの目的について質問してください。お答えはJETのALTを対象にした研究にもとづいており、必ず出典をお示しします。",
      suggestions: ["ALTはJTEに何を望んでいますか？", "ALTの役割とは何ですか？", "JETプログラムの目的は何ですか？", "ALTは研修に何を求めていますか？"]
    }
  };
  function pick(l) { return l && String(l).toLowerCase().indexOf("ja") === 0 ? "ja" : (l ? "en" : null); }
  var lang = pick(store.getItem("senpai.lang")) || pick(script && script.getAttribute("data-lang")) ||
             pick(document.documentElement.lang) || "en";
  function t(key) { return STRINGS[lang][key]; }

  var css = [
    ".senpai-root{position:fixed;right:16px;bottom:16px;z-index:2147483000;font:15px/1.45 system-ui,-apple-system,'Segoe UI','Hiragino Sans','Noto Sans JP','Yu Gothic',Meiryo,sans-serif;color:#1f2328}",
    ".senpai-launch{background:#b3261e;color:#fff;border:0;border-radius:28px;padding:12px 18px;font:inherit;font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".senpai-launch:focus-visible,.senpai-root button:focus-visible,.senpai-root select:focus-visible,.senpai-root input:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}",
    ".senpai-panel{display:none;flex-direction:column;width:380px;max-width:calc(100vw - 32px);height:560px;max-height:calc(100vh - 32px);background:#fff;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden}",
    ".senpai-root.senpai-open .senpai-panel{display:flex}.senpai-root.senpai-open .senpai-launch{display:none}",
    ".senpai-head{display:flex;align-items:center;gap:8px;padding:10px 12px;background:#b3261e;color:#fff}",
    ".senpai-head h2{margin:0;font-size:16px;flex:1}.senpai-head select{font:inherit;font-size:13px;border-radius:6px;border:0;padding:3px}",
    ".senpai-close{background:transparent;border:0;color:#fff;font-size:22px;line-height:1;cursor:pointer;padding:2px 6px}",
    ".senpai-log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px;background:#faf8f6}",
    ".senpai-msg{max-width:88%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".senpai-msg p{margin:0 0 .5em}.senpai-msg p:last-child{margin:0}",
    ".senpai-user{align-self:flex-end;background:#1a56a6;color:#fff;border-bottom-right-radius:3px}",
    ".senpai-bot{align-self:flex-start;background:#fff;border:1px solid #e3ddd6;border-bottom-left-radius:3px}",
    ".senpai-notice{align-self:center;font-size:13px;color:#7a2e0e;background:#fff4e5;border:1px solid #f3c89b}",
    ".senpai-source{margin-top:6px;font-size:12.5px;color:#555}.senpai-source summary{cursor:pointer}",
    ".senpai-source div{margin-top:4px}",
    ".senpai-chips{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}",
    ".senpai-chip{font:inherit;font-size:13px;border:1px solid #b3261e;color:#b3261e;background:#fff;border-radius:16px;padding:4px 10px;cursor:pointer;text-align:left}",
    ".senpai-rate{display:flex;gap:4px;margin-top:6px;align-items:center;font-size:12px;color:#555}",
    ".senpai-rate button{border:1px solid #ccc;background:#fff;color:#555;border-radius:6px;cursor:pointer;padding:3px 7px;line-height:0}",
    ".senpai-rate button[data-rating='-1'] svg{transform:rotate(180deg)}",
    // The chosen rating is marked by shape as well as colour (a thicker frame), never by colour alone.
    ".senpai-rate button[aria-pressed=true]{background:#e8f0fe;border:2px solid #1a73e8;padding:2px 6px}",
    ".senpai-typing{align-self:flex-start;color:#666;font-size:13px}.senpai-typing span{display:inline-block;animation:senpai-blink 1.2s infinite}",
    ".senpai-typing span:nth-child(2){animation-delay:.2s}.senpai-typing span:nth-child(3){animation-delay:.4s}",
    "@keyframes senpai-blink{0%,80%,100%{opacity:.2}40%{opacity:1}}",
    "@media (prefers-reduced-motion:reduce){.senpai-typing span{animation:none}.senpai-log{scroll-behavior:auto}}",
    ".senpai-form{display:flex;gap:6px;padding:10px;border-top:1px solid #e3ddd6}",
    ".senpai-form input{flex:1;font:inherit;padding:8px;border:1px solid #bbb;border-radius:8px;min-width:0}",
    ".senpai-form button{font:inherit;background:#b3261e;color:#fff;border:0;border-radius:8px;padding:8px 12px;cursor:pointer}",
    ".senpai-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    // A user's dark scheme, every pair of colours at least 4.5:1 (WCAG AA), as in the light one.
    "@media (prefers-color-scheme:dark){.senpai-root{color:#e6edf3}.senpai-panel{background:#161b22}.senpai-log{background:#0d1117}" +
      ".senpai-bot{background:#161b22;border-color:#30363d}.senpai-msg a{color:#79c0ff}.senpai-source,.senpai-rate,.senpai-typing{color:#b1bac4}" +
      ".senpai-chip{background:#161b22;color:#ffa198;border-color:#ffa198}.senpai-rate button{background:#21262d;color:#c9d1d9;border-color:#6e7681}" +
      ".senpai-rate button[aria-pressed=true]{background:#1f3a5f;border-color:#58a6ff}.senpai-form{border-top-color:#30363d}" +
      ".senpai-form input{background:#0d1117;color:#e6edf3;border-color:#6e7681}.senpai-notice{color:#ffd8b5;background:#3d2410;border-color:#9e6a36}}",
    "@media (max-width:480px){.senpai-root.senpai-open{right:0;bottom:0;left:0;top:0}.senpai-root.senpai-open .senpai-panel{width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0}}"
  ].join("\n");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // Text with http(s) links made clickable; everything else stays text.
  function richText(parent, text) {
    String(text || "").split(/\n{2,}/).forEach(function (para) {
      var p = el("p");
      var parts = para.split(/(https?:\/\/[^\s<>"']+)/g);
      parts.forEach(function (part, i) {
        if (i % 2 === 1) {
          var url = part.replace(/[.,;:)]+$/, "");
          var a = el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, url);
          p.appendChild(a);
          if (url.length < part.length) { p.appendChild(document.createTextNode(part.slice(url.length))); }
        } else if (part) {
          p.appendChild(document.createTextNode(part));
        }
      });
      parent.appendChild(p);
    });
  }

  var root = el("div", { "class": "senpai-root", "data-senpai": "" });
  var style = el("style", {}, css);
  var launch = el("button", { "class": "senpai-launch", type: "button", "aria-haspopup": "dialog", "aria-expanded": "false" }, "");
  var panel = el("section", { "class": "senpai-panel", role: "dialog", "aria-modal": "false" });
  var head = el("div", { "class": "senpai-head" });
  var title = el("h2", {}, "Senpai");
  var roleLabel = el("label", { "class": "senpai-sr", "for": "senpai-role" }, "");
  var role = el("select", { id: "senpai-role" });
  ["", "alt", "jte"].forEach(function (v) { role.appendChild(el("option", { value: v }, "")); });
  role.value = store.getItem("senpai.role") || "";
  var close = el("button", { "class": "senpai-close", type: "button" }, "\u00d7");
  head.appendChild(title); head.appendChild(roleLabel); head.appendChild(role); head.appendChild(close);
  var log = el("div", { "class": "senpai-log", role: "log", "aria-live": "polite" });
  var form = el("form", { "class": "senpai-form" });
  var inputLabel = el("label", { "class": "senpai-sr", "for": "senpai-input" }, "");
  var input = el("input", { id: "senpai-input", type: "text", maxlength: "2000", autocomplete: "off" });
  var send = el("button", { type: "submit" }, "");
  form.appendChild(inputLabel); form.appendChild(input); form.appendChild(send);
  panel.appendChild(head); panel.appendChild(log); panel.appendChild(form);
  root.appendChild(launch); root.appendChild(panel);

  // Put the widget's own words in the language (messages already shown stay as they were).
  function setLang(l) {
    l = pick(l);
    if (!l) { return; }
    lang = l;
    store.setItem("senpai.lang", l);
    root.setAttribute("lang", l);
    launch.textContent = t("launch");
    panel.setAttribute("aria-label", t("dialog"));
    roleLabel.textContent = t("iam"); role.setAttribute("aria-label", t("iam"));
    role.options[0].textContent = t("roleNone"); role.options[1].textContent = t("roleAlt"); role.options[2].textContent = t("roleJte");
    close.setAttribute("aria-label", t("close"));
    log.setAttribute("aria-label", t("log"));
    inputLabel.textContent = t("question"); input.setAttribute("placeholder", t("placeholder"));
    send.textContent = t("send");
  }
  setLang(lang);

  function scroll() { log.scrollTop = log.scrollHeight; }

  // While the history is being put together, messages go into this fragment
  // (then placed above anything the user already sent), not into the log.
  var into = null;
  function place(node) {
    if (into) { into.appendChild(node); return; }
    log.appendChild(node); scroll();
  }

  function addUser(text) {
    var m = el("div", { "class": "senpai-msg senpai-user" });
    richText(m, text);
    place(m);
  }

  function addNotice(text) {
    var m = el("div", { "class": "senpai-msg senpai-notice", role: "status" }, text);
    place(m);
  }

  function chips(parent, buttons) {
    if (!buttons || !buttons.length) { return; }
    var box = el("div", { "class": "senpai-chips", role: "group", "aria-label": t("chips") });
    buttons.forEach(function (b) {
      var chip = el("button", { "class": "senpai-chip", type: "button" }, b.title);
      chip.addEventListener("click", function () { ask(b.payload, b.title); });
      box.appendChild(chip);
    });
    parent.appendChild(box);
  }

  // Thumbs as inline SVG, so they render on every system, with or without an emoji font.
  // The shape is Material Icons' "thumb_up" (Google, Apache License 2.0); thumbs down is it
  // turned half round. The button's aria-label names it; the icon itself is decoration.
  var THUMB = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 " +
              "7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";
  function thumb() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", THUMB);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  function rating(parent, messageId) {
    var box = el("div", { "class": "senpai-rate", role: "group", "aria-label": t("rate") });
    box.appendChild(el("span", {}, t("helpfulQ")));
    [[1, t("helpful")], [-1, t("notHelpful")]].forEach(function (r) {
      var b = el("button", { type: "button", "aria-label": r[1], title: r[1], "aria-pressed": "false", "data-rating": String(r[0]) });
      b.appendChild(thumb());
      b.addEventListener("click", function () {
        Array.prototype.forEach.call(box.querySelectorAll("button"), function (x) { x.setAttribute("aria-pressed", "false"); });
        b.setAttribute("aria-pressed", "true");
        if (!sender) { status.textContent = t("feedbackFailed"); return; }
        post("/api/feedback", { sender: sender, message_id: messageId, rating: r[0] }).then(function (res) {
          status.textContent = res.ok ? t("feedbackThanks") : t("feedbackFailed");
        }, function () { status.textContent = t("feedbackFailed"); });
      });
      box.appendChild(b);
    });
    var status = el("span", { "class": "senpai-rate-status", role: "status" });
    box.appendChild(status);
    parent.appendChild(box);
  }

  // The role switch shows the role Senpai heard, from the switch or from the chat ("I'm a JTE").
  function heard(r) {
    if (r !== "alt" && r !== "jte") { return; }
    role.value = r;
    store.setItem("senpai.role", r);
  }

  function addBot(m, kind) {
    var node = el("div", { "class": "senpai-msg senpai-bot", "data-kind": kind || "" });
    richText(node, m.text);
    (m.citations || []).forEach(function (c) {
      var d = el("details", { "class": "senpai-source" });
      d.appendChild(el("summary", {}, t("source") + c.source + ", " + c.section));
      var full = el("div");
      richText(full, (c.reference || c.source) + (c.participant ? t("participant") + c.participant + "." : ""));
      d.appendChild(full);
      node.appendChild(d);
    });
    chips(node, m.buttons);
    if (kind === "answer" && m.id) { rating(node, m.id); }
    place(node);
  }

  function post(path, body, signal) {
    return fetch(base + path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal: signal
    });
  }

  var busy = false;
  function ask(message, shown, silent) {
    if (busy || !message) { return; }
    busy = true;
    if (!silent) { addUser(shown || message); }
    var typing = el("div", { "class": "senpai-typing", "aria-label": t("typing").trim() });
    typing.appendChild(document.createTextNode(t("typing")));
    for (var i = 0; i < 3; i++) { typing.appendChild(el("span", {}, ".")); }
    log.appendChild(typing); scroll();
    var controller = window.AbortController ? new AbortController() : null;
    var slow = setTimeout(function () { typing.firstChild.textContent = t("slow"); }, SLOW_MS);
    var timer = setTimeout(function () { if (controller) { controller.abort(); } }, TIMEOUT_MS);
    function send(retried) {
      var body = sender ? { sender: sender, message: message } : { message: message };
      return post("/api/chat", body, controller && controller.signal)
        .then(function (res) {
          return res.json().catch(function () { return {}; }).then(function (b) { return { res: res, body: b }; });
        })
        .then(function (r) {
          // An id this Senpai did not issue (say, from an older version): start a new conversation.
          if (r.res.status === 403 && r.body.code === "unknown_sender" && !retried) { forget(); return send(true); }
          if (r.body && r.body.sender) { keep(r.body.sender); }
          return r;
        });
    }
    send(false)
      .then(function (r) {
        if (r.res.status === 429) {
          addNotice(t("rate429").replace("{s}", r.res.headers.get("Retry-After") || t("some")));
        } else if (!r.res.ok) {
          addNotice(r.res.status >= 500 ? t("down") : (lang === "ja" ? r.body.error_ja : r.body.error) || t("notSent"));
        } else {
          setLang(r.body.lang);
          (r.body.messages || []).forEach(function (m) { addBot(m, r.body.kind); });
          heard(r.body.role);
        }
      })
      .catch(function (e) {
        addNotice(e && e.name === "AbortError" ? t("tooLong") : t("offline"));
      })
      .then(function () { clearTimeout(timer); clearTimeout(slow); typing.remove(); busy = false; input.focus(); });
  }

  function welcome() {
    addBot({ text: t("welcome"), buttons: t("suggestions").map(function (q) { return { title: q, payload: q }; }) }, "smalltalk");
  }

  var loaded = false;
  function loadHistory() {
    if (loaded) { return; }
    loaded = true;
    log.setAttribute("aria-busy", "true");
    // Earlier messages (or the welcome) always come first, even when the user
    // sends a question before they have arrived.
    function show(build) {
      into = document.createDocumentFragment();
      try { build(); } finally {
        var earlier = into;
        into = null;
        log.insertBefore(earlier, log.firstChild);
        log.setAttribute("aria-busy", "false");
        root.setAttribute("data-history", "loaded");
        scroll();
      }
    }
    if (!sender) { show(welcome); return; }
    fetch(base + "/api/history", { headers: { "X-Senpai-Sender": sender } })
      .then(function (res) {
        if (res.status === 403) { forget(); }  // not an id this Senpai issued: a new conversation
        return res.ok ? res.json() : { messages: [] };
      })
      .then(function (body) {
        var msgs = body.messages || [];
        show(function () {
          if (!msgs.length) { welcome(); return; }
          msgs.forEach(function (m) { if (m.from === "user") { addUser(m.text); } else { setLang(m.lang); addBot(m, m.kind); heard(m.role); } });
        });
      }, function () { show(welcome); });
  }

  function open() {
    root.classList.add("senpai-open");
    launch.setAttribute("aria-expanded", "true");
    loadHistory();
    input.focus();
  }
  function shut() {
    root.classList.remove("senpai-open");
    launch.setAttribute("aria-expanded", "false");
    launch.focus();
  }

  launch.addEventListener("click", open);
  close.addEventListener("click", shut);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { shut(); } });
  role.addEventListener("change", function () {
    store.setItem("senpai.role", role.value);
    if (role.value) { ask('/inform_role{"role":"' + role.value + '"}', role.value === "jte" ? t("roleJte") : t("roleAlt")); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    if (!q) { return; }
    input.value = "";
    ask(q);
  });

  function mount() {
    document.head.appendChild(style);
    document.body.appendChild(root);
    if (script && script.hasAttribute("data-open")) { open(); }
  }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
}());
