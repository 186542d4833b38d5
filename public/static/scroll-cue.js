// Wide tables on a phone (issue 17): a table that scrolls sideways says so. Its wrapper fades at the
// edge that has more columns behind it, and a one-line hint sits above it until it is scrolled.
(function () {
  function mark(wrap) {
    var more = wrap.scrollWidth > wrap.clientWidth + 2;
    wrap.classList.toggle("has-more", more);
    wrap.classList.toggle("at-start", wrap.scrollLeft <= 2);
    wrap.classList.toggle("at-end", wrap.scrollLeft + wrap.clientWidth >= wrap.scrollWidth - 2);
    var hint = wrap.previousElementSibling;
    var ours = hint && hint.classList.contains("scroll-hint");
    if (more && !ours) {
      hint = document.createElement("p");
      hint.className = "scroll-hint";
      hint.setAttribute("aria-hidden", "true");
      hint.textContent = "Scroll sideways for more columns →";
      wrap.parentNode.insertBefore(hint, wrap);
    } else if (!more && ours) {
      hint.remove();
    }
  }
  function all() { document.querySelectorAll(".table-wrap").forEach(mark); }
  document.addEventListener("scroll", function (e) {
    if (e.target.classList && e.target.classList.contains("table-wrap")) mark(e.target);
  }, true);
  window.addEventListener("resize", all);
  document.addEventListener("htmx:afterSettle", all);
  document.addEventListener("toggle", all, true);  // a table inside a <details> that opens
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all); else all();
})();
