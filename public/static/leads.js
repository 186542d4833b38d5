// The leads queue: live rows, and the lead record in a slide-in panel.
//
// Live queue: poll a cheap marker; when it moves, refetch the queue and swap the table in place.
// New lead ids since the page loaded are counted into the tab title, "(2) Leads · Porchlight".
//
// Panel: a row's links carry hx-get / hx-target / hx-push-url (leads/queue.html), so htmx fetches the
// record as a fragment into #lead-panel-body. This file opens and closes the panel around that, moves
// focus in and back to the row, closes on Escape and on Back, and owns the history entry: htmx's own
// history would snapshot the page (lead details included) and restore stale copies of it.
(function () {
  "use strict";
  var table = document.querySelector("[data-live-marker]");
  if (!table) return;
  var marker = table.getAttribute("data-live-marker");
  var baseTitle = document.title;
  var seen = new Set(ids(document));
  var fresh = new Set();
  var queueUrl = location.pathname + location.search;  // the polling refetches this, wherever the URL is now

  var panel = document.getElementById("lead-panel");
  var body = document.getElementById("lead-panel-body");
  var LEAD_PATH = /^\/leads\/(L-\d+)$/i;
  var openId = null;      // the lead in the panel
  var opener = null;      // "name" or "button": which link of its row to give focus back to

  if (window.htmx) htmx.config.historyEnabled = false;  // hx-push-url still says what to push; we push it

  function ids(root) {
    return Array.prototype.map.call(root.querySelectorAll("tr[data-lead]"), function (tr) {
      return tr.getAttribute("data-lead");
    });
  }

  function rowOf(id) {
    return id ? table.querySelector('tr[data-lead="' + id + '"]') : null;
  }

  function markOpenRow() {
    Array.prototype.forEach.call(table.querySelectorAll("tr.is-open"), function (tr) {
      tr.classList.remove("is-open");
      tr.removeAttribute("aria-current");
    });
    var row = rowOf(openId);
    if (row) { row.classList.add("is-open"); row.setAttribute("aria-current", "true"); }
  }

  // --- live queue -------------------------------------------------------------------------------

  function refresh() {
    fetch(queueUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.querySelector("[data-live-marker]");
        if (!next) return;
        table.replaceWith(next);
        table = next;
        if (window.htmx) htmx.process(table);  // the new rows' hx-get links
        var pager = doc.querySelector(".pager");
        var current = document.querySelector(".pager");
        if (pager && current) current.replaceWith(pager);
        // `next` now lives in this document (replaceWith moved it), so read the ids from the table.
        var arrived = [];
        ids(table).forEach(function (id) { if (!seen.has(id)) { fresh.add(id); seen.add(id); arrived.push(id); } });
        document.title = fresh.size ? "(" + fresh.size + ") " + baseTitle : baseTitle;
        fresh.forEach(function (id) {
          var row = rowOf(id);
          if (row) row.classList.add("just-arrived");
        });
        notifyArrivals(arrived);
        markOpenRow();
      })
      .catch(function () { /* offline or signed out: try again next tick */ });
  }

  function poll() {
    fetch("/api/leads/changes", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (answer) {
        if (answer.marker !== marker) { marker = answer.marker; refresh(); }
      })
      .catch(function () {});
  }

  // --- desktop notifications (seed 002: 🔕 → 🔔, opt-in per browser) ------------------------------
  // A new row in this person's queue (what the polling above brings in, under their filters) pings the
  // desktop when they switched it on here and the browser allowed it. The choice lives in this browser.

  var NOTIFY_KEY = "porchlight.lead-notifications";
  var bell = document.querySelector("[data-notify-toggle]");

  function notifyOn() {
    try { return "Notification" in window && Notification.permission === "granted" && localStorage.getItem(NOTIFY_KEY) === "on"; }
    catch (e) { return false; }
  }

  function showBell() {
    if (!bell) return;
    var on = notifyOn();
    bell.textContent = on ? "🔔 Notifications on" : "🔕 Notifications off";
    bell.setAttribute("aria-pressed", on ? "true" : "false");
    bell.title = on ? "New leads in your queue ping this computer. Click to stop."
      : ("Notification" in window && Notification.permission === "denied")
        ? "This browser blocks notifications from Porchlight: allow them in the site settings first."
        : "Get a desktop ping when a new lead lands in your queue.";
  }

  if (bell && "Notification" in window) {
    bell.hidden = false;
    showBell();
    bell.addEventListener("click", function () {
      if (notifyOn()) { localStorage.setItem(NOTIFY_KEY, "off"); showBell(); return; }
      Notification.requestPermission().then(function (answer) {
        localStorage.setItem(NOTIFY_KEY, answer === "granted" ? "on" : "off");
        showBell();
      });
    });
  }

  function notifyArrivals(arrived) {
    if (!arrived.length || !notifyOn()) return;
    var first = rowOf(arrived[0]);
    var name = first && first.querySelector(".name-cell") ? first.querySelector(".name-cell").textContent.trim() : "";
    var source = first && first.querySelector(".source-pill") ? first.querySelector(".source-pill").textContent.trim() : "";
    var title = arrived.length === 1 ? "New lead: " + (name || arrived[0]) : arrived.length + " new leads";
    var note = new Notification(title, { body: arrived.length === 1 ? source : "In your Porchlight queue", tag: "porchlight-leads" });
    note.onclick = function () { window.focus(); note.close(); };
  }

  document.addEventListener("lead:changed", function () { poll(); });  // the status form saved

  // The count stays until the person does something on the page: then they have seen the new rows.
  function seenNow() { fresh.clear(); document.title = baseTitle; }
  document.addEventListener("click", seenNow);
  document.addEventListener("keydown", seenNow);
  setInterval(poll, 5000);

  if (!panel || !body || !window.htmx) return;
  document.body.classList.add("leads-panel-ready");

  // --- the panel ----------------------------------------------------------------------------------

  function show(id) {
    openId = id;
    panel.hidden = false;
    document.body.classList.add("lead-panel-open");
    markOpenRow();
  }

  function hide() {
    var id = openId;
    openId = null;
    panel.hidden = true;
    panel.removeAttribute("aria-busy");
    body.innerHTML = "";
    document.body.classList.remove("lead-panel-open");
    markOpenRow();
    var row = rowOf(id);
    var link = row && (row.querySelector(opener === "button" ? ".actions [data-open-lead]" : "[data-open-lead]"));
    if (link) link.focus();
    else if (table) { table.setAttribute("tabindex", "-1"); table.focus(); }  // the row left the queue
  }

  function close() {
    if (!openId) return;
    if (history.state && history.state.leadPanel) history.back();  // popstate below hides the panel
    else { history.replaceState(null, "", queueUrl); hide(); }
  }

  function load(path) {
    var m = LEAD_PATH.exec(path);
    if (!m) return;
    show(m[1].toUpperCase());
    panel.setAttribute("aria-busy", "true");
    htmx.ajax("GET", path, { target: body, swap: "innerHTML" });
  }

  function fromPanel(evt) {
    return evt.detail && evt.detail.target === body;
  }

  // A modified click (new tab, new window) on a row link is the browser's, not htmx's.
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest && evt.target.closest("a[data-open-lead]");
    if (link && (evt.ctrlKey || evt.metaKey || evt.shiftKey || evt.button === 1)) evt.stopPropagation();
  }, true);

  // A click anywhere on a row (not on one of its own links or controls) opens it, like its name does.
  document.addEventListener("click", function (evt) {
    var row = evt.target.closest && evt.target.closest("tr[data-lead]");
    if (!row || !table.contains(row) || evt.target.closest("a, button, input, select, label, summary")) return;
    if (String(window.getSelection && window.getSelection()).trim()) return;  // selecting text, not opening
    var link = row.querySelector("[data-open-lead]");
    if (link) link.click();
  });

  document.body.addEventListener("htmx:beforeRequest", function (evt) {
    var link = evt.detail.elt;
    if (!fromPanel(evt) || !link.hasAttribute || !link.hasAttribute("data-open-lead")) return;
    opener = link.closest(".actions") ? "button" : "name";
    show(link.getAttribute("data-open-lead"));
    panel.setAttribute("aria-busy", "true");
  });

  // Opening from a row pushes /leads/L-…; opening another row while one is open replaces that entry,
  // so Back always returns to the queue in one step.
  document.body.addEventListener("htmx:pushedIntoHistory", function (evt) {
    var m = LEAD_PATH.exec(evt.detail.path);
    if (!m) return;
    var state = { leadPanel: m[1].toUpperCase() };
    if (history.state && history.state.leadPanel) history.replaceState(state, "", evt.detail.path);
    else history.pushState(state, "", evt.detail.path);
  });

  document.body.addEventListener("htmx:afterSwap", function (evt) {
    if (!fromPanel(evt)) return;
    panel.removeAttribute("aria-busy");
    var verb = evt.detail.requestConfig && evt.detail.requestConfig.verb;
    var title = document.getElementById("lead-panel-title");
    if (verb === "get") {
      body.scrollTop = 0;
      panel.scrollTop = 0;
      if (title) title.focus();
    } else {
      // An action in the panel: the queue row changed too; don't wait for the next tick.
      poll();
      if (!panel.contains(document.activeElement) && title) title.focus({ preventScroll: true });
      var flash = body.querySelector(".flash");
      if (flash) flash.scrollIntoView({ block: "nearest" });
    }
  });

  document.body.addEventListener("htmx:responseError", function (evt) {
    if (!fromPanel(evt)) return;
    panel.removeAttribute("aria-busy");
    var note = document.createElement("p");
    note.className = "error";
    note.setAttribute("role", "alert");
    var status = evt.detail.xhr ? evt.detail.xhr.status : 0;
    note.textContent = status === 404 ? "We couldn't find that lead: it may have been deleted or merged."
      : "That didn't go through (" + (status || "no answer") + "). Try again, or open the full page.";
    var old = body.querySelector(".panel-error");
    if (old) old.remove();
    note.classList.add("panel-error");
    body.prepend(note);
    if (!body.querySelector("#lead-panel-title") && openId) {
      var link = document.createElement("a");
      link.href = "/leads/" + openId;
      link.textContent = "Open " + openId + " as a page";
      note.append(" ", link);
    }
  });

  document.body.addEventListener("htmx:sendError", function (evt) {
    if (fromPanel(evt)) panel.removeAttribute("aria-busy");
  });

  panel.addEventListener("click", function (evt) {
    if (evt.target.closest("[data-close-panel]")) close();
  });

  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape" || !openId || evt.defaultPrevented) return;
    evt.preventDefault();
    close();
  });

  // Back (and Forward) move between the queue and an open lead.
  window.addEventListener("popstate", function () {
    if (LEAD_PATH.test(location.pathname)) load(location.pathname);
    else if (openId) hide();
  });
})();
