// The lead's status form (seed 002, issue 17): the next-contact picker shows only for the callback
// statuses, the reason only for Irrelevant (and is then required), and a change saves on blur — no
// Save button, a visible "Saving… / Saved / Not saved" state beside the fields.
//
// A save POSTs the form to /leads/L-…/status asking for JSON (routes/lead_page.page_status answers
// {"saved": true, …} or the refusal with its message). The form works in the queue's panel (htmx
// swaps it in: htmx:load) and on the record page. Without JavaScript all fields show and the button saves.
(function () {
  "use strict";

  function csrf(form) {
    var field = form.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  function setup(form) {
    if (form.hasAttribute("data-status-ready")) return;
    form.setAttribute("data-status-ready", "");
    var select = form.querySelector("select[name=status]");
    var picker = form.querySelector("input[name=next_contact_at]");
    var reason = form.querySelector("input[name=reason]");
    var state = form.querySelector("[data-save-state]");
    var button = form.querySelector("[data-status-save]");
    var callback = (form.getAttribute("data-callback") || "").split(" ");
    if (button) button.hidden = true;
    var saved = [form.getAttribute("data-saved-status"), picker.value, reason.value.trim()].join("|");

    function snapshot() { return [select.value, picker.value, reason.value.trim()].join("|"); }

    function show(kind, text) {
      state.className = "save-state save-" + kind;
      state.textContent = text;
    }

    function arrange() {
      Array.prototype.forEach.call(form.querySelectorAll("[data-for-status]"), function (label) {
        label.hidden = label.getAttribute("data-for-status").split(" ").indexOf(select.value) < 0;
      });
      reason.required = select.value === "irrelevant";
    }

    function missing() {
      if (select.value === "irrelevant" && !reason.value.trim()) return "Say why it is irrelevant to save.";
      if (callback.indexOf(select.value) >= 0 && !picker.value) return "Pick the next contact to save.";
      return "";
    }

    var busy = false;   // one save at a time: a second change waits for the first answer (the lead's
    var again = false;  // version moves with each save, so two at once would refuse one another)

    function save() {
      if (busy) { again = true; return; }
      if (snapshot() === saved) return;
      var need = missing();
      if (need) { show("pending", need); return; }
      var sent = snapshot();
      var body = new FormData(form);
      if (callback.indexOf(select.value) < 0) body.delete("next_contact_at");
      if (select.value !== "irrelevant") body.delete("reason");
      show("saving", "Saving…");
      busy = true;
      fetch(form.getAttribute("action"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": csrf(form) }
      })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (answer) {
          if (!answer.ok) { show("failed", "Not saved: " + (answer.body.detail || "try again.")); return; }
          saved = sent;
          form.setAttribute("data-saved-status", answer.body.status);
          show("saved", "Saved ✓");
          var prompt = document.getElementById("irrelevant-prompt");
          if (prompt && answer.body.status === "irrelevant") prompt.remove();
          refreshBadges(form, answer.body);
          document.dispatchEvent(new CustomEvent("lead:changed"));
        })
        .catch(function () { show("failed", "Not saved: no connection. Try again."); })
        .then(function () {
          busy = false;
          if (again) { again = false; save(); }
        });
    }

    select.addEventListener("change", function () {
      arrange();
      var need = missing();
      if (!need) { save(); return; }
      show("pending", need);
      (select.value === "irrelevant" ? reason : picker).focus();
    });
    [picker, reason].forEach(function (field) {
      field.addEventListener("blur", save);
      field.addEventListener("keydown", function (evt) {
        if (evt.key === "Enter") { evt.preventDefault(); field.blur(); }
      });
    });
    form.addEventListener("submit", function (evt) { evt.preventDefault(); evt.stopImmediatePropagation(); save(); }, true);
    arrange();
    if (snapshot() !== saved) show("pending", missing() || "Not saved yet.");
  }

  // The status and urgency badges shown above the form (record head or panel head) follow the save.
  function refreshBadges(form, body) {
    var root = form.closest("#lead-panel-body") || document;
    var status = root.querySelector(".lede .status");
    var urgency = root.querySelector(".lede .urgency");
    if (status) { status.className = "status status-" + body.status; status.textContent = body.status_label; }
    if (urgency) {
      urgency.className = "urgency urgency-badge-" + body.urgency;
      urgency.textContent = body.urgency.charAt(0).toUpperCase() + body.urgency.slice(1);
    }
  }

  function scan(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("form[data-status-form]"), setup);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { scan(); });
  else scan();
  document.addEventListener("htmx:load", function (evt) {
    if (evt.target.matches && evt.target.matches("form[data-status-form]")) setup(evt.target);
    else scan(evt.target);
  });
})();
