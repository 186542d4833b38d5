// The top bar's 📱 (SMS-8): the unresolved inbound count, pulsing red while there is any. Polls the
// cheap change stamp every few seconds; while the inbox is open (the /sms page or the 📱 slide-over),
// the inbox's own one-second poll feeds it instead.
(function () {
  "use strict";
  var link = document.querySelector("[data-sms-badge]");
  if (!link) return;
  var badge = link.querySelector(".sms-count");
  function show(n) {
    badge.hidden = !n;
    badge.textContent = n > 99 ? "99+" : String(n);
    link.classList.toggle("pulse", n > 0);
    link.setAttribute("aria-label", n ? "SMS: " + n + " unresolved" : "SMS conversations");
  }
  window.addEventListener("sms:unread", function (e) { show(e.detail); });
  function poll() {
    var panel = document.getElementById("sms-panel");  // an open inbox polls each second and feeds the badge
    if (document.hidden || (panel && !panel.closest("[hidden]"))) return;
    fetch("/api/last-change", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) show(d.unread); })
      .catch(function () {});
  }
  poll();
  if (!document.getElementById("sms-panel")) setInterval(poll, 5000);
})();
