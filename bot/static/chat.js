// Minimal client for POST /api/chat. All text is inserted as text, never HTML.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var input = document.getElementById("q");
  var sender = "web-" + Math.random().toString(36).slice(2, 12);

  function add(cls, text) {
    var p = document.createElement("p");
    p.className = "msg " + cls;
    p.textContent = text;
    log.appendChild(p);
    log.scrollTop = log.scrollHeight;
    return p;
  }

  function render(reply) {
    (reply.messages || []).forEach(function (m) {
      var p = add("bot", m.text);
      (m.citations || []).forEach(function (c) {
        var s = document.createElement("span");
        s.className = "source";
        s.textContent = "Source: " + c.source + ", " + c.section;
        s.title = c.reference || "";
        p.appendChild(s);
      });
      if (m.buttons && m.buttons.length) {
        var box = document.createElement("div");
        box.className = "buttons";
        m.buttons.forEach(function (b) {
          var btn = document.createElement("button");
          btn.type = "button";
          btn.textContent = b.title;
          btn.addEventListener("click", function () { ask(b.payload, b.title); });
          box.appendChild(btn);
        });
        p.appendChild(box);
      }
    });
  }

  function ask(message, shown) {
    add("user", shown || message);
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, message: message })
    }).then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.error) { add("bot", body.error); } else { render(body); }
      })
      .catch(function () { add("bot", "Senpai is unavailable right now. Please try again shortly."); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    if (!q) { return; }
    input.value = "";
    ask(q);
  });
}());
