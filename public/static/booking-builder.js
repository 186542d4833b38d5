// Maintenance → Online booking: copy an embed snippet to the clipboard.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var box = document.getElementById(button.getAttribute("data-copy"));
    if (!box) return;
    var label = button.textContent;
    function done(text) {
      button.textContent = text;
      setTimeout(function () {
        button.textContent = label;
      }, 1600);
    }
    function fallback() {
      box.focus();
      box.select();
      done(document.execCommand && document.execCommand("copy") ? "Copied" : "Press Ctrl+C to copy");
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(box.value).then(function () {
        done("Copied");
      }, fallback);
    } else {
      fallback();
    }
  });
})();
