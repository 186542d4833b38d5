// Optional companion to a Porchlight booking iframe, loaded on the business's own page: it passes
// that page's UTM tags and address into every iframe marked data-porchlight-booking, so bookings
// can be attributed. It reads nothing else and sends nothing anywhere but into those frames.
//
// The tags go in by message, not by changing the frame's address: a second navigation raced the
// first one (a visitor could start booking in the first page and lose it, or book without the tags).
// The frame asks when it is ready ("porchlight:hello"), and the tags are also sent when it loads, so
// whichever of the script and the frame comes first, the frame gets them once it can listen.
(function () {
  "use strict";
  var keys = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid", "fbclid"];

  function tracking() {
    var here = new URLSearchParams(window.location.search);
    var found = {};
    keys.forEach(function (key) {
      if (here.get(key)) found[key] = here.get(key).slice(0, 200);
    });
    found.referrer = (window.location.origin + window.location.pathname + window.location.search).slice(0, 500);
    return found;
  }

  function send(frame) {
    var origin;
    try {
      origin = new URL(frame.getAttribute("src"), window.location.href).origin;
    } catch (e) {
      return;
    }
    if (frame.contentWindow) {
      frame.contentWindow.postMessage({ type: "porchlight:tracking", tracking: tracking() }, origin);
    }
  }

  function frames() {
    return Array.prototype.slice.call(document.querySelectorAll("iframe[data-porchlight-booking]"));
  }

  window.addEventListener("message", function (event) {
    if (!event.data || event.data.type !== "porchlight:hello") return;
    frames().forEach(function (frame) {
      if (frame.contentWindow === event.source) send(frame);
    });
  });

  function start() {
    frames().forEach(function (frame) {
      if (frame.hasAttribute("data-porchlight-ready")) return;
      frame.setAttribute("data-porchlight-ready", "");
      frame.addEventListener("load", function () {
        send(frame);
      });
      send(frame);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
