// The 📱 slide-over (issue 21, seed 002 "SMS panel"): the top bar's 📱 opens the inbox over whatever
// page you are on, so a text is answered without leaving the job or lead. The inbox is the /sms page's
// own fragment (/sms/panel) loaded with htmx; links and the filter form inside it that would go to /sms
// reload the fragment instead, so the URL and the page underneath never change. Esc and ✕ close it;
// focus goes into the dialog and back to 📱. sms.js polls /api/last-change only while it is open
// (SMS-9). Opening it closes the assistant panel and opening that closes this one (SMS-10's spirit).
// Without JS — or with a modifier key / middle click — 📱 stays a link to /sms.
(function () {
  "use strict";
  var link = document.querySelector("[data-sms-open]");
  var box = document.getElementById("sms-overlay");
  if (!link || !box || !window.htmx) return;
  var body = document.getElementById("sms-overlay-body");
  var full = box.querySelector("[data-sms-full]");
  var loaded = false;

  function isOpen() { return !box.hidden; }

  function load(query) {
    var search = query ? "?" + query : "";
    full.setAttribute("href", "/sms" + search);
    body.setAttribute("aria-busy", "true");
    return window.htmx.ajax("GET", "/sms/panel" + search, { target: body, swap: "innerHTML" }).then(function () {
      body.setAttribute("aria-busy", "false");
      loaded = true;
      if (!box.contains(document.activeElement)) box.focus();
    });
  }

  function open() {
    if (isOpen()) return;
    var ai = document.getElementById("ai-panel");
    if (ai && !ai.hidden) { var shut = ai.querySelector("[data-ai-close]"); if (shut) shut.click(); }
    box.hidden = false;
    document.body.classList.add("sms-overlay-open");
    link.setAttribute("aria-expanded", "true");
    box.focus();
    if (!loaded) load("");  // later openings keep the thread, the filters and any draft; the poll catches up
    window.dispatchEvent(new CustomEvent("sms:open"));
  }

  function close() {
    if (!isOpen()) return;
    box.hidden = true;
    document.body.classList.remove("sms-overlay-open");
    link.setAttribute("aria-expanded", "false");
    window.dispatchEvent(new CustomEvent("sms:close"));
    link.focus();
  }

  link.addEventListener("click", function (e) {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    if (isOpen()) close(); else open();
  });
  box.querySelector("[data-sms-close]").addEventListener("click", close);
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape" || !isOpen() || e.defaultPrevented) return;
    if (document.querySelector("dialog[open]")) return;  // a confirmation on top answers Esc first
    var menu = e.target.closest && e.target.closest("details[open]");
    e.preventDefault();  // the topmost thing closes: not also the lead panel underneath (leads.js)
    if (menu && box.contains(menu)) { menu.open = false; return; }  // the 🏢 Offices menu closes first
    close();
  });
  // SMS-10 in spirit: the assistant's toggle is the other top-level panel; it closes this one.
  document.addEventListener("click", function (e) {
    if (isOpen() && e.target.closest && e.target.closest("[data-ai-toggle]")) close();
  }, true);

  // Inside the slide-over, what would navigate to /sms (a thread, "← All", older conversations,
  // Clear all) reloads the fragment with the same query instead.
  box.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[href]");
    if (!a || a.hasAttribute("data-sms-full") || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    var url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname !== "/sms") return;
    e.preventDefault();
    load(url.search.replace(/^\?/, ""));
  });
  box.addEventListener("submit", function (e) {
    var form = e.target;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "get" || form.getAttribute("action") !== "/sms") return;
    e.preventDefault();
    load(new URLSearchParams(new FormData(form)).toString());
  });
})();
