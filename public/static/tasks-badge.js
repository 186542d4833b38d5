// The top bar's 📋 (TSK-3, issue 23): open tasks due today or overdue in My Tasks, pulsing red while
// there is any. One indexed read (/api/tasks/badge) on load and once a minute while the tab is shown.
(function () {
  "use strict";
  var link = document.querySelector("[data-tasks-badge]");
  if (!link) return;
  var badge = link.querySelector(".tasks-count");
  function show(n) {
    badge.hidden = !n;
    badge.textContent = n > 99 ? "99+" : String(n);
    link.classList.toggle("pulse", n > 0);
    link.setAttribute("aria-label", n ? "Tasks: " + n + " due today or overdue" : "Tasks");
  }
  function poll() {
    if (document.hidden) return;
    fetch("/api/tasks/badge", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) show(d.due); })
      .catch(function () {});
  }
  poll();
  setInterval(poll, 60000);
})();
