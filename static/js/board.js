// The lobby board. Its secret is in the address's #fragment, which the browser never sends
// to a server, a log or a Referer; it travels only in the X-Board-Token header of the feed.
(function () {
  var body = document.body, token = decodeURIComponent(location.hash.slice(1));
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; e.textContent = text; return e; }
  function message(text) {
    var calls = document.getElementById("calls"); calls.replaceChildren(el("div", "empty", text));
  }
  function render(data) {
    var calls = document.getElementById("calls"); calls.replaceChildren();
    if (!data.called.length) calls.appendChild(el("div", "empty", body.dataset.empty));
    data.called.forEach(function (c) {
      var row = el("div", "call", ""); row.appendChild(el("span", "ticket", c.ticket));
      // The window number is what a visitor looks for; the agency's name comes under it.
      var desk = el("span", "desk", ""); desk.appendChild(el("strong", "window", c.location || c.desk));
      if (c.location) desk.appendChild(el("span", "agency", c.desk));
      row.appendChild(desk); calls.appendChild(row);
    });
    var waiting = document.getElementById("waiting"); waiting.replaceChildren();
    data.waiting.forEach(function (w) { waiting.appendChild(el("li", "", w.desk + " " + w.count + body.dataset.people)); });
  }
  function tick() { document.getElementById("clock").textContent = new Date().toLocaleTimeString("ko-KR", {hour: "2-digit", minute: "2-digit"}); }
  function poll() {
    fetch(body.dataset.feed, {cache: "no-store", headers: {"X-Board-Token": token}})
      .then(function (r) { if (r.status === 404) message(body.dataset.noToken); return r.ok ? r.json() : null; })
      .then(function (d) { if (d) render(d); }).catch(function () {});
  }
  tick(); setInterval(tick, 10000);
  if (!token) { message(body.dataset.noToken); return; }
  poll(); setInterval(poll, 3000);
})();
