// The outreach record on a tablet (templates/outreach/record.html): the offline save and the
// signature pad. See docs/outreach.md for where the key lives and what stays on the device.
(function () {
  "use strict";

  var PREFIX = "hanjari.outreach.";

  // --- the signature pad -------------------------------------------------------------------
  var signatureForm = document.getElementById("outreach-signature");
  if (signatureForm) {
    var canvas = signatureForm.querySelector("canvas");
    var pen = canvas.getContext("2d");
    var drawing = false, drawn = false;
    pen.lineWidth = 3;
    pen.lineCap = "round";
    pen.strokeStyle = "#000";
    var at = function (event) {
      var box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width,
              (event.clientY - box.top) * canvas.height / box.height];
    };
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var point = at(event);
      pen.beginPath();
      pen.moveTo(point[0], point[1]);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var point = at(event);
      pen.lineTo(point[0], point[1]);
      pen.stroke();
      drawn = true;
    });
    var stop = function () { drawing = false; };
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    signatureForm.querySelector("[data-signature-clear]").addEventListener("click", function () {
      pen.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
    });
    signatureForm.addEventListener("submit", function () {
      signatureForm.elements.signature.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  }

  // --- the record, kept encrypted while the connection is down ----------------------------------
  var form = document.getElementById("outreach-record");
  if (!form || !window.crypto || !window.crypto.subtle) return;
  var storeKey = PREFIX + "pending." + form.getAttribute("data-visit");
  var banner = document.getElementById("outreach-connection");
  var message = function (name) { return form.getAttribute("data-msg-" + name); };
  var show = function (text, tone) {
    banner.textContent = text;
    banner.className = "alert py-2 small alert-" + (tone || "secondary");
    banner.hidden = !text;
  };
  var fromBase64 = function (text) {
    return Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); });
  };
  var toBase64 = function (bytes) {
    return btoa(String.fromCharCode.apply(null, new Uint8Array(bytes)));
  };
  // The key of this sign-in, non-extractable, in memory only; it leaves the page's markup.
  var key = crypto.subtle.importKey("raw", fromBase64(form.getAttribute("data-offline-key")),
                                    {name: "AES-GCM"}, false, ["encrypt", "decrypt"]);
  form.removeAttribute("data-offline-key");

  var entries = function () {
    var list = [];
    new FormData(form).forEach(function (value, name) { list.push([name, String(value)]); });
    return list;
  };

  // Writes to the store one after another, and sending waits for the last one: a copy kept
  // while typing offline must never land after the sent record was removed (it would stay).
  var kept = Promise.resolve();
  var typing = null;

  function keep(list) {
    clearTimeout(typing);
    var iv = crypto.getRandomValues(new Uint8Array(12));
    var plain = new TextEncoder().encode(JSON.stringify(list));
    var after = function () { return key; };  // after the previous write, failed or not
    kept = kept.then(after, after).then(function (k) {
      return crypto.subtle.encrypt({name: "AES-GCM", iv: iv}, k, plain);
    }).then(function (sealed) {
      localStorage.setItem(storeKey, JSON.stringify({iv: toBase64(iv), data: toBase64(sealed)}));
    });
    return kept;
  }

  function waiting() {
    var stored = localStorage.getItem(storeKey);
    if (!stored) return Promise.resolve(null);
    var box = JSON.parse(stored);
    return key.then(function (k) {
      return crypto.subtle.decrypt({name: "AES-GCM", iv: fromBase64(box.iv)}, k,
                                   fromBase64(box.data));
    }).then(function (plain) {
      return JSON.parse(new TextDecoder().decode(plain));
    }, function () {
      localStorage.removeItem(storeKey);  // another sign-in's: unreadable, so of no use
      return null;
    });
  }

  var sending = null;

  function send() {
    if (sending) return sending;
    clearTimeout(typing);
    sending = kept.then(waiting, waiting).then(function (list) {
      if (!list) return;
      var body = new FormData();
      list.forEach(function (pair) { body.append(pair[0], pair[1]); });
      return fetch(form.action, {method: "POST", body: body, credentials: "same-origin",
                                 headers: {"X-Requested-With": "hanjari-outreach"}})
        .then(function (response) {
          if ((response.headers.get("Content-Type") || "").indexOf("json") < 0) {
            // Signed out meanwhile (the sign-in page answered): it cannot be sent any more.
            show(message("refused"), "danger");
            return;
          }
          return response.json().then(function (answer) {
            // Sent and answered: nothing of the person stays on the device, whatever the answer.
            localStorage.removeItem(storeKey);
            if (answer.status === "saved") {
              form.elements.version.value = answer.version;
              show(message("sent"), "success");
            } else if (answer.status === "stale") {
              show(message("stale"), "warning");
            } else {
              show(message("refused") + " " + (answer.message || ""), "danger");
            }
          });
        }, function () {
          show(message("queued"), "warning");  // still down: it waits, encrypted
        });
    }).finally(function () { sending = null; });
    return sending;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    keep(entries()).then(function () {
      if (navigator.onLine) return send();
      show(message("queued"), "warning");
    });
  });
  form.addEventListener("input", function () {
    if (navigator.onLine) return;
    clearTimeout(typing);
    typing = setTimeout(function () { keep(entries()); }, 300);
  });
  window.addEventListener("offline", function () { show(message("offline"), "warning"); });
  window.addEventListener("online", function () {
    show("", "secondary");
    send();
  });
  if (navigator.onLine) send();
})();
