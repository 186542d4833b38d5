// The Workiz import page (IMP-3): read the file (POST /api/jobs/import), pick a match for each
// unmatched Tech / Source / Type once, then commit: the page calls .../commit until the batch is
// done, moving the progress bar, and lists the skipped rows at the end.
(function () {
  "use strict";
  var fileForm = document.querySelector("[data-import-file]");
  if (!fileForm) return;
  var mapForm = document.querySelector("[data-import-map]"), run = document.querySelector("[data-import-run]");
  var options = JSON.parse(document.getElementById("import-options").textContent);
  var csrf = "";
  try { csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; } catch (e) { csrf = ""; }
  var batch = null;
  var LABELS = { tech: ["Tech", "contractor", "Leave unassigned"], source: ["Source", "job partner", "Skip these rows"], type: ["Type", "job type", "Skip these rows"] };

  function fail(message) {
    var line = document.querySelector("[data-form-error]");
    line.textContent = message; line.hidden = false; line.scrollIntoView({ block: "nearest" });
  }
  function call(method, url, body, isForm) {
    var headers = { "X-CSRF-Token": csrf, Accept: "application/json" };
    if (!isForm) headers["Content-Type"] = "application/json";
    return fetch(url, { method: method, credentials: "same-origin", headers: headers, body: isForm ? body : JSON.stringify(body) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (d) {
          if (!r.ok) throw new Error(typeof d.detail === "string" ? d.detail : "Error " + r.status);
          return d;
        });
      });
  }
  function text(tag, words, parent) { var n = document.createElement(tag); n.textContent = words; if (parent) parent.appendChild(n); return n; }

  fileForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    document.querySelector("[data-form-error]").hidden = true;
    var button = fileForm.querySelector("button"); button.disabled = true; button.textContent = "Reading…";
    call("POST", "/api/jobs/import", new FormData(fileForm), true).then(function (p) {
      batch = p;
      mapForm.hidden = false;
      mapForm.querySelector("[data-summary]").textContent = p.total_rows.toLocaleString("en-US") + " rows for " + p.company + ".";
      var box = mapForm.querySelector("[data-unmatched]"); box.textContent = "";
      var any = false;
      ["tech", "source", "type"].forEach(function (kind) {
        if (!p.unmatched[kind].length) return;
        any = true;
        var fs = document.createElement("fieldset"); text("legend", LABELS[kind][0] + " values with no matching " + LABELS[kind][1], fs);
        p.unmatched[kind].forEach(function (value) {
          var label = text("label", value + " → ", fs); label.className = "map-row";
          var select = document.createElement("select"); select.setAttribute("data-kind", kind); select.setAttribute("data-value", value);
          text("option", LABELS[kind][2], select).value = "";
          options[kind].forEach(function (o) { text("option", o.name, select).value = String(o.id); });
          label.appendChild(select);
        });
        box.appendChild(fs);
      });
      if (!any) text("p", "Every Tech, Source and Type matched by name.", box);
      var warn = mapForm.querySelector("[data-warnings]"); warn.textContent = "";
      p.warnings.forEach(function (w) { text("li", "Row " + w.row + ": " + w.message, warn); });
      button.textContent = "Read another file"; button.disabled = false;
    }, function (e) { fail(e.message); button.disabled = false; button.textContent = "Read the file"; });
  });

  function step(body) {
    return call("POST", "/api/jobs/import/" + batch.id + "/commit", body).then(function (s) {
      run.querySelector("[data-bar]").value = s.total_rows ? Math.round(100 * s.done_rows / s.total_rows) : 100;
      run.querySelector("[data-status]").textContent = s.done_rows.toLocaleString("en-US") + " of " + s.total_rows.toLocaleString("en-US") + " rows · " + s.created + " created · " + s.skipped + " skipped";
      if (s.state !== "done") return step({});
      run.querySelector("[data-status]").textContent = "Done: " + s.created + (s.created === 1 ? " job" : " jobs") + " created, " + s.skipped + " skipped.";
      var box = run.querySelector("[data-skipped]"); box.textContent = "";
      if (s.skipped_rows && s.skipped_rows.length) {
        text("h3", "Skipped rows (fix them and import the file again: created rows are skipped as already imported)", box);
        var ul = document.createElement("ul");
        s.skipped_rows.forEach(function (r) { text("li", "Row " + r.row + ": " + r.reason, ul); });
        box.appendChild(ul);
      }
      run.querySelector("[data-done]").hidden = false;
    });
  }

  mapForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var mapping = { tech: {}, source: {}, type: {} };
    mapForm.querySelectorAll("select[data-kind]").forEach(function (s) {
      mapping[s.getAttribute("data-kind")][s.getAttribute("data-value")] = s.value ? parseInt(s.value, 10) : null;
    });
    mapForm.querySelector("button").disabled = true; fileForm.querySelector("button").disabled = true;
    run.hidden = false;
    step({ mapping: mapping }).catch(function (e) { fail(e.message); });
  });
})();
