// Jobs: the board's live refresh and copy buttons, the New Job modal, and the job page's forms.
//
// Board: poll /api/jobs/changes; when the marker moves, refetch the page and swap the board and the
// 🚨 count in place (like the leads queue). Badges with a contractor message copy it (ATT-8).
// New Job (JOB-6…JOB-16): geocode the address server-side, show the 5 nearest service areas as cards,
// fill the contractor list from the matching function, 15-minute times with end = start + 2 h, and
// "Close without saving?" on a backdrop click once something was typed. Posts JSON to /api/jobs.
// Job page: each form posts JSON to the API and reloads; a refusal shows its message.
(function () {
  "use strict";
  var csrf = "";
  try { csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; } catch (e) { csrf = ""; }

  function api(method, url, body) {
    var init = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf, Accept: "application/json" } };
    if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch(url, init).then(function (r) {
      if (r.status === 204) return {};
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { var err = new Error(data.detail || ("Error " + r.status)); err.fields = data.fields || {}; throw err; }
        return data;
      });
    });
  }

  function showError(root, message) {
    var line = root.querySelector("[data-form-error]") || document.querySelector("[data-form-error]");
    if (!line) { window.alert(message); return; }
    line.textContent = message;
    line.hidden = false;
    line.scrollIntoView({ block: "nearest" });
  }

  function copy(text, button) {
    var done = function () { var was = button.textContent; button.textContent = "Copied ✓"; setTimeout(function () { button.textContent = was; }, 1500); };
    if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, function () { window.prompt("Copy:", text); });
    else window.prompt("Copy:", text);
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-copy]");
    if (b) { ev.preventDefault(); copy(b.getAttribute("data-copy"), b); }
  });

  // --- the board ---------------------------------------------------------------------------------
  var boardEl = document.querySelector("[data-live-marker]");
  if (boardEl) {
    var marker = boardEl.getAttribute("data-live-marker");
    var pageUrl = location.pathname + location.search;
    var refresh = function () {
      fetch(pageUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var next = doc.querySelector("[data-live-marker]");
          if (!next) return;
          var open = {};
          boardEl.querySelectorAll("details.date-group").forEach(function (d, i) { open[i] = d.open; });
          boardEl.replaceWith(next);
          boardEl = next;
          var count = doc.querySelector("[data-attention-count]");
          var here = document.querySelector("[data-attention-count]");
          if (count && here) here.replaceWith(count);
          var counts = doc.querySelector("[data-status-counts]");
          var shown = document.querySelector("[data-status-counts]");
          if (counts && shown) shown.replaceWith(counts);  // BRD-14's counters, e.g. after a restore
        }).catch(function () {});
    };
    setInterval(function () {
      if (document.hidden) return;
      fetch("/api/jobs/changes", { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data && data.marker !== marker) { marker = data.marker; refresh(); } })
        .catch(function () {});
    }, 15000);
    document.body.addEventListener("jobs-restored", refresh);  // the Archived Jobs modal (archived.js)
    document.addEventListener("click", function (ev) {
      var all = ev.target.closest("[data-toggle-all]");
      if (!all) return;
      var groups = document.querySelectorAll("details.date-group");
      var everyOpen = Array.prototype.every.call(groups, function (d) { return d.open; });
      groups.forEach(function (d) { d.open = !everyOpen; });  // BRD-10: expand all, then collapse all
    });
  }
  document.querySelectorAll("[data-filter-list]").forEach(function (input) {
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      input.parentElement.querySelectorAll("label[data-name]").forEach(function (l) { l.hidden = q && l.getAttribute("data-name").indexOf(q) < 0; });
    });
  });

  // --- the New Job modal -------------------------------------------------------------------------
  var dialog = document.getElementById("new-job");
  if (dialog) newJob(dialog);

  function quarterOptions(select) {
    for (var m = 0; m < 24 * 60; m += 15) {
      var hh = String(Math.floor(m / 60)).padStart(2, "0"), mm = String(m % 60).padStart(2, "0");
      var h12 = (Math.floor(m / 60) % 12) || 12, ap = m < 720 ? "am" : "pm";
      var o = document.createElement("option");
      o.value = hh + ":" + mm; o.textContent = h12 + ":" + mm + " " + ap;
      select.appendChild(o);
    }
  }

  function newJob(dialog) {
    var form = dialog.querySelector("form");
    var dirty = false;
    var cards = form.querySelector("[data-area-cards]");
    var contractors = form.querySelector("[data-contractors]");
    form.querySelectorAll("select[data-quarter]").forEach(quarterOptions);
    var today = new Date();
    var iso = today.getFullYear() + "-" + String(today.getMonth() + 1).padStart(2, "0") + "-" + String(today.getDate()).padStart(2, "0");
    form.date_start.value = iso; form.time_start.value = "09:00";
    syncEnd();
    var prefill = {};
    try { prefill = JSON.parse(dialog.getAttribute("data-prefill") || "{}"); } catch (e) { prefill = {}; }
    Object.keys(prefill).forEach(function (k) { if (form[k] && prefill[k] !== null && prefill[k] !== undefined) form[k].value = prefill[k]; });

    function open() { dialog.showModal(); form.first_name.focus(); if (form.address.value || form.postal_code.value) geocode(); }
    document.querySelectorAll("[data-open-new-job]").forEach(function (a) {
      a.addEventListener("click", function (ev) { ev.preventDefault(); open(); });
    });
    if (dialog.hasAttribute("data-open")) open();

    function close() { if (!dirty || window.confirm("Close without saving?")) { dirty = false; dialog.close(); } }
    form.addEventListener("input", function () { dirty = true; });
    dialog.addEventListener("click", function (ev) { if (ev.target === dialog) close(); });  // the backdrop (JOB-16)
    dialog.addEventListener("cancel", function (ev) { ev.preventDefault(); close(); });
    form.querySelectorAll("[data-close-modal]").forEach(function (b) { b.addEventListener("click", close); });

    function syncEnd() {  // JOB-14: end = start + 2 h
      var start = new Date(form.date_start.value + "T" + form.time_start.value + ":00");
      if (isNaN(start)) return;
      var end = new Date(start.getTime() + 2 * 3600 * 1000);
      form.date_end.value = end.getFullYear() + "-" + String(end.getMonth() + 1).padStart(2, "0") + "-" + String(end.getDate()).padStart(2, "0");
      form.time_end.value = String(end.getHours()).padStart(2, "0") + ":" + String(end.getMinutes()).padStart(2, "0");
    }
    form.date_start.addEventListener("change", syncEnd);
    form.time_start.addEventListener("change", syncEnd);

    var timer = null;
    form.querySelectorAll("[data-geocode]").forEach(function (el) {
      el.addEventListener("change", geocode);
      el.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(geocode, 600); });
    });
    form.office_id.addEventListener("change", geocode);

    function geocode() {
      var q = new URLSearchParams({ address: form.address.value, postal_code: form.postal_code.value, unit: form.unit.value, office_id: form.office_id.value });
      if (!form.address.value && !form.postal_code.value) return;
      api("GET", "/api/jobs/new-job/places?" + q.toString()).then(function (data) {
        var line = form.querySelector("[data-place-line]");
        var dup = form.querySelector("[data-duplicate]");
        dup.hidden = !(data.duplicates && data.duplicates.length);
        if (data.duplicates && data.duplicates.length) dup.textContent = "⚠ Open job(s) already at this address: " + data.duplicates.join(", ") + ". You can still create this one.";
        if (!data.place) { line.textContent = "We couldn't place that address. Check the street and ZIP."; cards.innerHTML = '<p class="muted small">No address yet.</p>'; return; }
        var p = data.place;
        form.lat.value = p.lat; form.lng.value = p.lng;
        if (!form.city.value) form.city.value = p.city || "";
        if (!form.state.value) form.state.value = p.state || "";
        if (!form.postal_code.value) form.postal_code.value = p.postal_code || "";
        line.textContent = "📍 " + [p.city, p.state, p.postal_code].filter(Boolean).join(", ");
        renderCards(data.areas);
      }).catch(function () {});
    }

    function renderCards(areas) {
      var chosen = (form.querySelector("input[name=service_area_id]:checked") || {}).value;
      cards.innerHTML = "";
      if (!areas.length) { cards.innerHTML = '<p class="muted small">No service areas yet.</p>'; return; }
      areas.forEach(function (a, i) {
        var label = document.createElement("label");
        label.className = "area-card" + (a.outside_radius ? " outside" : "");
        var input = document.createElement("input");
        input.type = "radio"; input.name = "service_area_id"; input.value = a.id;
        if (String(a.id) === chosen || (!chosen && i === 0 && !a.outside_radius)) input.checked = true;
        var text = document.createElement("span");
        text.innerHTML = "<strong></strong><span class='muted small'></span>";
        text.firstChild.textContent = a.label;
        text.lastChild.textContent = " " + a.miles + " mi" + (a.outside_radius ? " · outside radius" : "") + (a.area_code ? " · " + a.area_code : "") + (a.office_address ? " · " + a.office_address : "");
        label.appendChild(input); label.appendChild(text);
        cards.appendChild(label);
      });
      loadContractors();
    }

    cards.addEventListener("change", loadContractors);
    form.job_type_id.addEventListener("change", loadContractors);
    function loadContractors() {  // JOB-13: area AND job type, zone priority first
      var area = (form.querySelector("input[name=service_area_id]:checked") || {}).value;
      var type = form.job_type_id.value;
      contractors.innerHTML = "";
      var none = document.createElement("option"); none.value = "";
      if (!area || !type) {
        none.textContent = !area && !type ? "— pick area + job type first —" : (!area ? "— pick the service area first —" : "— pick the job type first —");
        contractors.appendChild(none); contractors.disabled = true;
        contractors.title = none.textContent.replace(/—/g, "").trim();
        return;
      }
      none.textContent = "— no contractor yet —"; contractors.appendChild(none);
      api("GET", "/api/contractors/eligible?job_type=" + encodeURIComponent(type) + "&service_area=" + encodeURIComponent(area)).then(function (data) {
        data.items.forEach(function (c) {
          var o = document.createElement("option"); o.value = c.contractor_id;
          o.textContent = c.name + (c.priority ? " ★ priority" : "");
          contractors.appendChild(o);
        });
        contractors.disabled = false; contractors.title = data.items.length ? "" : "No contractor covers this area and job type";
      }).catch(function () {});
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = {};
      ["office_id", "service_area_id", "job_type_id", "partner_id", "contractor_id"].forEach(function (k) {
        var el = k === "service_area_id" ? form.querySelector("input[name=service_area_id]:checked") : form[k];
        if (el && el.value) body[k] = parseInt(el.value, 10);
      });
      ["first_name", "last_name", "phone", "email", "address", "unit", "city", "state", "postal_code", "company",
        "date_start", "time_start", "date_end", "time_end", "notes", "lead_id", "customer_id"].forEach(function (k) {
        if (form[k] && form[k].value) body[k] = form[k].value;
      });
      if (form.lat.value && form.lng.value) { body.lat = parseFloat(form.lat.value); body.lng = parseFloat(form.lng.value); }
      body.tag_ids = Array.prototype.map.call(form.querySelectorAll("input[name=tag_ids]:checked"), function (c) { return parseInt(c.value, 10); });
      form.querySelectorAll(".field-error").forEach(function (e) { e.classList.remove("field-error"); });
      api("POST", "/api/jobs", body).then(function (job) {
        dirty = false;
        location.href = "/jobs/" + job.display_id;
      }).catch(function (err) {
        Object.keys(err.fields || {}).forEach(function (k) { var el = form[k] || cards; if (el && el.classList) el.classList.add("field-error"); });
        showError(dialog, err.message);
      });
    });
  }

  // --- the job page -------------------------------------------------------------------------------
  var record = document.querySelector("[data-job-id]");
  if (!record) return;

  function formBody(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.closest("[hidden]") && !el.matches("input[type=hidden]")) return;
      if (el.hasAttribute("data-bool")) { body[el.name] = el.checked; return; }
      if (el.hasAttribute("data-int")) { body[el.name] = el.value ? parseInt(el.value, 10) : null; return; }
      if (el.value === "") return;
      if (el.hasAttribute("data-money")) { var n = Math.round(parseFloat(el.value.replace(/[$,]/g, "")) * 100); body[el.name] = isNaN(n) ? el.value : n; return; }
      body[el.name] = el.value;
    });
    return body;
  }

  record.querySelectorAll("form.api-form").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = formBody(form);
      if (form.getAttribute("data-api").slice(-10) === "k-confirm" && body.contractor_id === null) delete body.contractor_id;
      api(form.getAttribute("data-method") || "POST", form.getAttribute("data-api"), body)
        .then(function () { location.reload(); })
        .catch(function (err) { showError(form.closest("dialog") || record, err.message); });
    });
  });
  record.querySelectorAll("[data-post], [data-delete]").forEach(function (b) {
    b.addEventListener("click", function () {
      if (b.hasAttribute("data-confirm") && !window.confirm(b.getAttribute("data-confirm"))) return;
      var del = b.hasAttribute("data-delete");
      api(del ? "DELETE" : "POST", b.getAttribute(del ? "data-delete" : "data-post"))
        .then(function () { if (del && !/k-confirm$/.test(b.getAttribute("data-delete"))) location.href = "/jobs"; else location.reload(); })
        .catch(function (err) { showError(record, err.message); });
    });
  });
  var statusForm = record.querySelector("[data-status-form]");
  record.querySelectorAll("[data-status-pick]").forEach(function (b) {
    b.addEventListener("click", function () {
      var s = b.getAttribute("data-status-pick");
      statusForm.hidden = false;
      statusForm.status.value = s;
      statusForm.querySelectorAll("[data-for]").forEach(function (el) { el.hidden = el.getAttribute("data-for").split(" ").indexOf(s) < 0; });
      statusForm.querySelector("[data-note-star]").hidden = ["deposit", "pending"].indexOf(s) < 0;
      record.querySelectorAll("[data-status-pick]").forEach(function (x) { x.classList.toggle("picked", x === b); });
    });
  });
  record.querySelectorAll("[data-open]").forEach(function (b) {
    b.addEventListener("click", function () { document.getElementById(b.getAttribute("data-open")).showModal(); });
  });
  record.querySelectorAll("dialog [data-close-modal]").forEach(function (b) { b.addEventListener("click", function () { b.closest("dialog").close(); }); });
  record.querySelectorAll("[data-reveal]").forEach(function (c) {
    c.addEventListener("change", function () { document.getElementById(c.getAttribute("data-reveal")).hidden = !c.checked; });
  });
})();
