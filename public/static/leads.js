// Live queue: poll a cheap marker; when it moves, refetch this page and swap the table in place.
// New lead ids since the page loaded are counted into the tab title, "(2) Leads · Porchlight".
(function () {
  "use strict";
  var table = document.querySelector("[data-live-marker]");
  if (!table) return;
  var marker = table.getAttribute("data-live-marker");
  var baseTitle = document.title;
  var seen = new Set(ids(document));
  var fresh = new Set();

  function ids(root) {
    return Array.prototype.map.call(root.querySelectorAll("tr[data-lead]"), function (tr) {
      return tr.getAttribute("data-lead");
    });
  }

  function refresh() {
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.querySelector("[data-live-marker]");
        if (!next) return;
        table.replaceWith(next);
        table = next;
        var pager = doc.querySelector(".pager");
        var current = document.querySelector(".pager");
        if (pager && current) current.replaceWith(pager);
        // `next` now lives in this document (replaceWith moved it), so read the ids from the table.
        ids(table).forEach(function (id) { if (!seen.has(id)) { fresh.add(id); seen.add(id); } });
        document.title = fresh.size ? "(" + fresh.size + ") " + baseTitle : baseTitle;
        fresh.forEach(function (id) {
          var row = table.querySelector('tr[data-lead="' + id + '"]');
          if (row) row.classList.add("just-arrived");
        });
      })
      .catch(function () { /* offline or signed out: try again next tick */ });
  }

  function poll() {
    fetch("/api/leads/changes", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) {
        if (body.marker !== marker) { marker = body.marker; refresh(); }
      })
      .catch(function () {});
  }

  // The count stays until the person does something on the page: then they have seen the new rows.
  function seenNow() { fresh.clear(); document.title = baseTitle; }
  document.addEventListener("click", seenNow);
  document.addEventListener("keydown", seenNow);
  setInterval(poll, 5000);
})();
