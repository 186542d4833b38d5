// Export downloads with a visible state: "Preparing…" until the first bytes arrive, then the size so
// far, then "Done". Without JavaScript the links and the form download the same files directly.
(function () {
  "use strict";

  function sizeText(bytes) {
    return bytes < 1048576 ? Math.max(1, Math.round(bytes / 1024)) + " KB" : (bytes / 1048576).toFixed(1) + " MB";
  }

  function nameFrom(response, fallback) {
    var header = response.headers.get("content-disposition") || "";
    var match = /filename="([^"]+)"/.exec(header);
    return match ? match[1] : fallback;
  }

  function save(blob, name) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function run(control, status, request, onRefused) {
    if (control.getAttribute("aria-busy") === "true") return;
    control.setAttribute("aria-busy", "true");
    status.textContent = "Preparing…";
    fetch(request.url, request.init)
      .then(function (response) {
        if (!response.ok) { onRefused(); return null; }
        var reader = response.body.getReader();
        var parts = [];
        var received = 0;
        function pump() {
          return reader.read().then(function (step) {
            if (step.done) return;
            parts.push(step.value);
            received += step.value.length;
            status.textContent = "Downloading… " + sizeText(received);
            return pump();
          });
        }
        return pump().then(function () {
          var name = nameFrom(response, "porchlight-export");
          save(new Blob(parts, { type: response.headers.get("content-type") || "" }), name);
          status.textContent = "Done: " + name + " (" + sizeText(received) + ")";
        });
      })
      .catch(function () { status.textContent = "The download failed. Try again."; })
      .then(function () { control.removeAttribute("aria-busy"); });
  }

  document.querySelectorAll("a[data-export]").forEach(function (link) {
    var status = link.closest(".card").querySelector("[data-export-status]");
    link.addEventListener("click", function (event) {
      event.preventDefault();
      run(link, status, { url: link.href, init: { credentials: "same-origin" } }, function () {
        window.location.href = link.href;
      });
    });
  });

  document.querySelectorAll("form[data-export]").forEach(function (form) {
    var status = form.querySelector("[data-export-status]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var init = { method: "POST", body: new FormData(form), credentials: "same-origin" };
      // Refused (e.g. the confirmation word is missing): submit normally so the page shows why.
      run(form, status, { url: form.action, init: init }, function () { status.textContent = ""; form.submit(); });
    });
  });
})();
