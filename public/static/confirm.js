// "Are you sure?" before a destructive action (issue 17).
//
// A destructive button sits in <form method="get" action="/…/delete" data-confirm="Question?"> (optional
// data-confirm-detail, data-confirm-button, data-confirm-type="Delete", data-confirm-safe). Without
// JavaScript the browser GETs that path: a confirmation page whose form POSTs to it. With JavaScript this
// file stops the GET, asks in a <dialog>, and once confirmed POSTs the form's fields (plus the CSRF token
// and the typed word) to the same path: through htmx when the form has hx-post (the lead panel, the files
// and secure-access panels), else as an ordinary form post. Cancel, Escape or the backdrop leave it be.
(function () {
  "use strict";

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; }
    catch (e) { return ""; }
  }

  var dialog = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.innerHTML =
      '<form method="dialog" class="stack">' +
      '<h2 id="confirm-dialog-title"></h2><p class="confirm-detail"></p>' +
      '<label class="confirm-typed" hidden><span>Type <strong></strong> to confirm</span> <input name="typed" autocomplete="off" spellcheck="false"></label>' +
      '<div class="btn-row"><button class="btn btn-danger" value="yes" data-confirm-yes>Confirm</button>' +
      '<button class="btn btn-quiet" value="no" formnovalidate>Cancel</button></div></form>';
    document.body.appendChild(dialog);
    dialog.addEventListener("click", function (evt) { if (evt.target === dialog) dialog.close("no"); });
  }

  function ask(form, submitter) {
    function attr(name) {
      return (submitter && submitter.getAttribute(name)) || form.getAttribute(name);
    }
    if (!dialog) build();
    var word = attr("data-confirm-type") || "";
    var yes = dialog.querySelector("[data-confirm-yes]");
    var typed = dialog.querySelector(".confirm-typed");
    var input = typed.querySelector("input");
    dialog.querySelector("h2").textContent = attr("data-confirm");
    dialog.querySelector(".confirm-detail").textContent = attr("data-confirm-detail") || "";
    yes.textContent = attr("data-confirm-button") || "Confirm";
    yes.className = "btn " + (form.hasAttribute("data-confirm-safe") ? "btn-primary" : "btn-danger");
    typed.hidden = !word;
    typed.querySelector("strong").textContent = word;
    input.value = "";
    yes.disabled = !!word;
    input.oninput = function () { yes.disabled = input.value.trim().toLowerCase() !== word.toLowerCase(); };
    return new Promise(function (resolve) {
      dialog.onclose = function () { resolve(dialog.returnValue === "yes" ? { typed: input.value } : null); };
      dialog.returnValue = "";
      dialog.showModal();
      (word ? input : yes).focus();
    });
  }

  function post(form, submitter, typed) {
    var action = form.getAttribute("action");
    var fields = submitter ? new FormData(form, submitter) : new FormData(form);  // the button pressed counts
    if (form.hasAttribute("data-confirm-type")) fields.set("confirm", typed);
    if (window.htmx && form.getAttribute("hx-post")) {
      var values = {};
      fields.forEach(function (v, k) { values[k] = v; });
      var targeter = form.closest("[hx-target]");
      var target = targeter && targeter.getAttribute("hx-target");
      var swapper = form.closest("[hx-swap]");
      var swap = (swapper && swapper.getAttribute("hx-swap")) || "innerHTML";
      htmx.ajax("POST", form.getAttribute("hx-post"), { source: form, target: target || "body", swap: swap, values: values });
      return;
    }
    var out = document.createElement("form");
    out.method = "post";
    out.action = action;
    out.hidden = true;
    fields.set("csrf_token", csrf());
    fields.forEach(function (v, k) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = k; input.value = v;
      out.appendChild(input);
    });
    document.body.appendChild(out);
    out.submit();
  }

  // Capture phase: runs before htmx's own submit handler on the form, which must not see the GET.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.matches || !form.matches("form[data-confirm]")) return;
    evt.preventDefault();
    evt.stopImmediatePropagation();
    var submitter = evt.submitter && evt.submitter !== form ? evt.submitter : null;
    ask(form, submitter).then(function (answer) { if (answer) post(form, submitter, answer.typed); });
  }, true);
})();
