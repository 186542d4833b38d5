// "Copy" buttons (issue 17): <button data-copy="#id"> copies the text of that element and says so.
// Without JavaScript the button stays hidden and the text is selectable with one click (user-select: all).
(function () {
  function copied(button, ok) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = ok ? "Copied" : "Press Ctrl+C";
    var status = document.getElementById(button.getAttribute("aria-describedby") || "");
    if (status) status.textContent = ok ? "Copied to the clipboard." : "Select the text and copy it.";
    setTimeout(function () { button.textContent = label; }, 2000);
  }
  function fallback(target) {
    var range = document.createRange();
    range.selectNodeContents(target);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target) return;
    var text = target.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button, true); }, function () { copied(button, fallback(target)); });
    } else {
      copied(button, fallback(target));
    }
  });
  document.querySelectorAll("[data-copy][hidden]").forEach(function (b) { b.hidden = false; });
})();
