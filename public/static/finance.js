// Finance (FIN-3, FIN-4, FIN-7): each input saves on change through PATCH /api/finance/{id} (dollars →
// integer cents, percent → basis points) and shows the recomputed payout; the paid boxes PUT .../paid;
// Cancel… and ↺ Undo cancel post and reload. A 409 (someone changed the job) says so and reloads.
(function () {
  "use strict";
  var csrf = "";
  try { csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; } catch (e) { csrf = ""; }

  function api(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { var err = new Error(data.detail || ("Error " + r.status)); err.status = r.status; throw err; }
        return data;
      });
    });
  }

  function fail(err) {
    var line = document.querySelector("[data-form-error]");
    line.textContent = err.message + (err.status === 409 ? " Reloading…" : "");
    line.hidden = false;
    if (err.status === 409) setTimeout(function () { location.reload(); }, 1200);
  }

  function money(cents) {
    if (cents === null || cents === undefined) return "—";
    var sign = cents < 0 ? "−" : "", c = Math.abs(cents);
    return sign + "$" + Math.floor(c / 100).toLocaleString("en-US") + "." + String(c % 100).padStart(2, "0");
  }

  // "1,234.5" → 123450 cents; "30" / "30.5" % → 3000 / 3050 bp. Exact: digits only, no float maths.
  function hundredths(text) {
    var t = String(text).replace(/[$,%\s]/g, "");
    var m = /^(\d+)(?:\.(\d{0,2}))?$/.exec(t);
    if (!m) return null;
    return parseInt(m[1], 10) * 100 + parseInt(((m[2] || "") + "00").slice(0, 2), 10);
  }

  document.addEventListener("change", function (ev) {
    var input = ev.target, row = input.closest("tr[data-fin]");
    if (!row) return;
    var id = row.getAttribute("data-fin"), version = parseInt(row.getAttribute("data-version"), 10);
    var done = function (job) {
      row.setAttribute("data-version", job.version);
      row.querySelector("[data-payout]").textContent = money(job.payout_cents);
      input.classList.add("saved"); input.classList.remove("failed");
      setTimeout(function () { input.classList.remove("saved"); }, 1200);
    };
    var field = input.getAttribute("data-fin-field");
    if (field) {
      var value = hundredths(input.value);
      if (value === null) { input.classList.add("failed"); fail(new Error("Type an amount like 1250.00.")); return; }
      var body = { version: version }; body[field] = value;
      api("PATCH", "/api/finance/" + id, body).then(done, function (e) { input.classList.add("failed"); fail(e); });
      return;
    }
    var flag = input.getAttribute("data-paid");
    if (flag) api("PUT", "/api/finance/" + id + "/paid", { flag: flag, paid: input.checked, version: version }).then(done, fail);
  });

  document.addEventListener("submit", function (ev) {
    var form = ev.target.closest("[data-cancel-form]");
    if (!form) return;
    ev.preventDefault();
    var row = form.closest("tr[data-fin]");
    api("POST", "/api/finance/" + row.getAttribute("data-fin") + "/cancel", {
      reason: form.reason.value, note: form.note.value, version: parseInt(row.getAttribute("data-version"), 10)
    }).then(function () { location.reload(); }, fail);
  });

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-undo-cancel]");
    if (!b) return;
    var row = b.closest("tr[data-fin]");
    api("POST", "/api/finance/" + row.getAttribute("data-fin") + "/undo-cancel", {
      version: parseInt(row.getAttribute("data-version"), 10)
    }).then(function () { location.reload(); }, fail);
  });
})();
