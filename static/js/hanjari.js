// Behaviour that pages ask for with data- attributes, so that no page needs inline script
// (the Content-Security-Policy allows only this site's script files).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
}, true);
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) field.form.submit();
});
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) { event.preventDefault(); window.print(); }
});
// A table wider than the screen scrolls in its own box: the box must take keyboard focus so
// it can be scrolled without a mouse (WCAG 2.1.1).
function focusableScrollers(root) {
 root.querySelectorAll(".table-responsive, .report-table").forEach(function (box) {
  if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) {
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    if (!box.hasAttribute("aria-label")) {
      var caption = box.querySelector("caption") || box.previousElementSibling;
      box.setAttribute("aria-label", caption ? caption.textContent.trim() : document.title);
    }
  }
 });
}
focusableScrollers(document);
// A refused form shows its error summary at the top of the page and moves focus to it, so
// that the clerk (and a screen reader) learns at once that nothing was saved and why.
(function () {
  var summary = document.querySelector(".error-summary");
  if (!summary) return;
  // The form's autofocus would take focus back from the summary: the summary goes first.
  document.querySelectorAll("[autofocus]").forEach(function (field) { field.removeAttribute("autofocus"); });
  summary.focus();
})();
// Outreach records waiting to be sent (static/js/outreach.js) belong to this sign-in: signing
// out removes them (after a warning), and the sign-in page clears any that were left behind.
(function () {
  var PREFIX = "hanjari.outreach.";
  var waiting = function () {
    var names = [];
    for (var i = 0; i < localStorage.length; i++) {
      if (localStorage.key(i).indexOf(PREFIX) === 0) names.push(localStorage.key(i));
    }
    return names;
  };
  var clear = function () {
    waiting().forEach(function (name) { localStorage.removeItem(name); });
  };
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-signs-out") || event.defaultPrevented) return;
    var warning = form.getAttribute("data-pending-warning");
    if (waiting().length && warning && !window.confirm(warning)) {
      event.preventDefault();
      return;
    }
    clear();
  });
  if (document.querySelector("[data-signed-out]")) clear();
})();
// Lists that change while a desk works (the queue, the referral inbox) refresh themselves:
// the page is fetched again in the background and only the marked box is replaced, so nothing
// typed elsewhere on the page is lost; a box being worked in (focus inside it) waits.
document.querySelectorAll("[data-refresh][id]").forEach(function (box) {
  var seconds = Math.max(15, parseInt(box.getAttribute("data-refresh"), 10) || 30);
  setInterval(function () {
    var current = document.getElementById(box.id);
    if (!current || document.hidden || current.contains(document.activeElement)) return;
    fetch(location.href, {credentials: "same-origin", headers: {"X-Requested-With": "hanjari-refresh"}})
      .then(function (response) { return response.ok && !response.redirected ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(box.id);
        var now = document.getElementById(box.id);
        if (fresh && now && !now.contains(document.activeElement)) {
          now.replaceWith(fresh);
          focusableScrollers(fresh.parentNode);
        }
      }).catch(function () {});
  }, seconds * 1000);
});
// The visit form: ticking purposes fills the desks with those purposes' desks (the same rule
// as the server's intake.services.propose_plan, whose result the list carries in data-plan),
// until the desk changes a desk by hand. Without script, 접수 with no desk chosen does it.
document.querySelectorAll("[data-plan]").forEach(function (list) {
  var plan = JSON.parse(list.getAttribute("data-plan") || "{}");
  var form = list.closest("form");
  var desks = form ? Array.prototype.slice.call(form.querySelectorAll("select[data-desk]")) : [];
  var touched = desks.some(function (desk) { return desk.value !== "0"; });
  desks.forEach(function (desk) { desk.addEventListener("change", function () { touched = true; }); });
  list.addEventListener("change", function () {
    if (touched) return;
    var ids = [];
    list.querySelectorAll("input:checked").forEach(function (box) {
      (plan[box.value] || []).forEach(function (id) { if (ids.indexOf(id) < 0) ids.push(id); });
    });
    desks.forEach(function (desk, index) { desk.value = String(index < ids.length ? ids[index] : 0); });
  });
});
