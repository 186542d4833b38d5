// The 📱 SMS panel (SMS-4, SMS-9): Enter sends, Shift+Enter adds a line; the segment counter;
// templates; and the live sync — /api/last-change each second, and when its stamp moves the
// thread list and the open conversation are fetched again (the draft in the reply box is kept).
// The inbox is either the /sms page or the 📱 slide-over (sms-panel.js), which loads it later and
// starts and stops the poll with the "sms:open" / "sms:close" events: it polls only while open.
(function () {
  "use strict";
  function current() { return document.getElementById("sms-panel"); }

  function segments(text) {
    var gsm = !/[^\x00-\x7f]/.test(text);
    var one = gsm ? 160 : 70, many = gsm ? 153 : 67;
    return text.length <= one ? 1 : Math.ceil(text.length / many);
  }
  function count(area) {
    var out = area.form && area.form.querySelector("[data-counter]");
    if (!out) return;
    var n = segments(area.value);
    out.textContent = area.value.length + " / " + (n === 1 ? 160 : n * 153) + " · " + n + (n === 1 ? " segment" : " segments");
  }
  document.addEventListener("input", function (e) { if (e.target.matches("[data-reply]")) count(e.target); });
  document.addEventListener("keydown", function (e) {
    if (!e.target.matches("[data-reply]") || e.key !== "Enter" || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    var form = e.target.form;
    if (e.target.value.trim() || (form.querySelector("[data-attach]") || {}).value) form.requestSubmit();
  });
  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-template]") && e.target.value) {
      var area = e.target.form.querySelector("[data-reply]");
      area.value = area.value ? area.value + "\n" + e.target.value : e.target.value;
      e.target.value = "";
      count(area);
      area.focus();
    }
    if (e.target.matches("[data-attach]")) {
      var name = e.target.closest("label").querySelector(".sms-attach-name");
      name.textContent = e.target.files.length ? e.target.files[0].name : "Attach";
    }
  });

  function relative(root) {
    var now = Date.now();
    root.querySelectorAll("time[data-rel]").forEach(function (t) {
      var at = Date.parse(t.getAttribute("datetime"));
      if (isNaN(at)) return;
      var s = Math.max(0, (now - at) / 1000);
      t.title = new Date(at).toLocaleString();
      t.textContent = s < 60 ? "now" : s < 3600 ? Math.floor(s / 60) + "m" : s < 86400 ? Math.floor(s / 3600) + "h"
        : new Date(at).toLocaleDateString(undefined, { month: "short", day: "numeric" });
    });
  }
  relative(document);
  document.body.addEventListener("htmx:afterSwap", function () { relative(document); });

  function fetchText(url) {
    return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : Promise.reject(r.status);
    });
  }
  function refresh(panel) {
    var query = panel.dataset.query, selected = panel.dataset.selected;
    var list = fetchText("/sms/threads?" + query + (query ? "&" : "") + "selected=" + selected).then(function (html) {
      document.getElementById("sms-list").innerHTML = html;
    });
    var pane = !selected ? Promise.resolve() : fetchText("/sms/threads/" + selected).then(function (html) {
      var box = document.getElementById("sms-thread");
      var fresh = document.createElement("div");
      fresh.innerHTML = html;
      ["head", "messages"].forEach(function (part) {
        var old = box.querySelector('[data-part="' + part + '"]'), neu = fresh.querySelector('[data-part="' + part + '"]');
        if (old && neu) { old.replaceWith(neu); if (window.htmx) window.htmx.process(neu); }
      });
      var oldReply = box.querySelector('[data-part="reply"]'), newReply = fresh.querySelector('[data-part="reply"]');
      if (oldReply && newReply && oldReply.dataset.locked !== newReply.dataset.locked) {
        oldReply.replaceWith(newReply);
        if (window.htmx) window.htmx.process(newReply);
      }
      scrollDown();
    });
    return Promise.all([list, pane]).then(function () { relative(document); });
  }
  function scrollDown() {
    var list = document.querySelector(".sms-messages");
    if (list) list.scrollTop = list.scrollHeight;
  }
  scrollDown();
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "sms-thread") { scrollDown(); poll(); }
    if (e.detail.target && e.detail.target.id === "sms-overlay-body") scrollDown();
  });

  var busy = false, timer = null;
  function poll() {
    var panel = current();
    if (busy || document.hidden || !panel || panel.closest("[hidden]")) return;
    busy = true;
    fetch("/api/last-change", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        window.dispatchEvent(new CustomEvent("sms:unread", { detail: data.unread }));
        if (String(data.stamp) === panel.dataset.stamp) return;
        panel.dataset.stamp = String(data.stamp);
        return refresh(panel);
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  function start() { if (!timer) timer = setInterval(poll, 1000); poll(); }
  function stop() { clearInterval(timer); timer = null; }
  window.addEventListener("sms:open", start);
  window.addEventListener("sms:close", stop);
  if (current()) start();  // the /sms page
})();
