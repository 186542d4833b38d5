// Optional companion to a Porchlight booking iframe, loaded on the business's own page: it passes
// that page's UTM tags and address into every iframe marked data-porchlight-booking, so bookings
// can be attributed. It reads nothing else and sends nothing anywhere.
(function () {
  "use strict";
  var keys = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid", "fbclid"];
  function pass() {
    var here = new URLSearchParams(window.location.search);
    var frames = document.querySelectorAll("iframe[data-porchlight-booking]:not([data-porchlight-ready])");
    Array.prototype.forEach.call(frames, function (frame) {
      var url = new URL(frame.getAttribute("src"), window.location.href);
      keys.forEach(function (key) {
        if (here.get(key) && !url.searchParams.get(key)) url.searchParams.set(key, here.get(key).slice(0, 200));
      });
      url.searchParams.set("ref", (window.location.origin + window.location.pathname + window.location.search).slice(0, 500));
      frame.setAttribute("data-porchlight-ready", "");
      frame.setAttribute("src", url.toString());
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", pass);
  else pass();
})();
