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
