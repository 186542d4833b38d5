// The Archived Jobs modal (ARC-3, ARC-4) on the jobs board and on Finance: 📦 Archived opens the
// dialog and loads the list with htmx (each opening loads it fresh); the search box reloads it as you
// type; ↩ Restore swaps its row away and the server's `jobs-restored` event lets the page refresh
// (the board refreshes in place, jobs.js; Finance reloads when the dialog closes). A refused restore
// says why in the dialog.
(function () {
  "use strict";
  var dialog = document.getElementById("archived-jobs");
  if (!dialog) return;
  var list = dialog.querySelector("#archived-list");
  var search = dialog.querySelector("[data-archived-search] input");
  var restored = false;

  function status(text, isError) {
    var line = dialog.querySelector("#archived-status");
    if (!line) return;
    line.textContent = text;
    line.className = isError ? "error" : "flash";
    line.hidden = !text;
  }

  function load() {
    var q = search && search.value.trim() ? "?q=" + encodeURIComponent(search.value.trim()) : "";
    if (window.htmx) window.htmx.ajax("GET", "/jobs/archived" + q, { target: list, swap: "innerHTML" });
  }

  document.querySelectorAll("[data-open-archived]").forEach(function (b) {
    b.addEventListener("click", function (ev) {
      ev.preventDefault();
      status("");
      dialog.showModal();
      load();
      if (search) search.focus();
    });
  });
  function close() { dialog.close(); }
  dialog.querySelectorAll("[data-close-modal]").forEach(function (b) { b.addEventListener("click", close); });
  dialog.addEventListener("click", function (ev) { if (ev.target === dialog) close(); });  // the backdrop
  dialog.addEventListener("close", function () {
    if (restored && dialog.hasAttribute("data-reload-on-restore")) location.reload();
  });
  dialog.querySelector("[data-archived-search]").addEventListener("submit", function (ev) { ev.preventDefault(); });

  document.body.addEventListener("jobs-restored", function () { restored = true; });
  dialog.addEventListener("htmx:afterSettle", function () {  // the last row restored: say so
    if (list.querySelector("table") && !list.querySelector("tr[data-archived-job], .load-more-row")) {
      list.innerHTML = '<p class="empty-row">No archived jobs left here.</p>';
    }
  });
  document.body.addEventListener("htmx:responseError", function (evt) {
    if (!dialog.contains(evt.detail.elt)) return;
    var code = evt.detail.xhr ? evt.detail.xhr.status : 0;
    status(code === 404 ? "That job is gone: deleted, or not in your offices."
      : code === 409 ? "Someone changed that job a moment ago; nothing was restored. Try again."
      : code === 422 ? "Type at least 3 characters to search."
      : "That didn't go through (" + (code || "no answer") + "). Try again.", true);
  });
})();
