// EOD / Morning reminders (REM-1): each contractor's map is an SVG drawn here, offline, from the
// vendored US outlines (us-atlas through topojson-client and d3-geo), fitted to that contractor's
// pins, with numbered red pins in start order. Copy Image renders the SVG onto a canvas and puts the
// PNG on the clipboard; Copy Text copies the text (static/jobs.js's [data-copy] is not loaded here).
(function () {
  "use strict";
  var root = document.querySelector("[data-outlines]");
  if (!root) return;
  var NS = "http://www.w3.org/2000/svg", W = 320, H = 240;

  function el(name, attrs, parent) {
    var n = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(n);
    return n;
  }

  function draw(box, us) {
    var pins = JSON.parse(box.getAttribute("data-pins")).filter(function (p) { return p.lat !== null && p.lng !== null; });
    var svg = el("svg", { xmlns: NS, viewBox: "0 0 " + W + " " + H, width: W, height: H });
    el("rect", { x: 0, y: 0, width: W, height: H, fill: "#eef3f8" }, svg);
    box.appendChild(svg);
    if (!pins.length) { var t = el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", fill: "#667", "font-size": 13, "font-family": "sans-serif" }, svg); t.textContent = "No map points"; return; }
    var points = { type: "MultiPoint", coordinates: pins.map(function (p) { return [p.lng, p.lat]; }) };
    var projection = d3.geoMercator();
    // fit the pins with a margin; a single pin (or pins close together) gets ~40 km around it
    var b = d3.geoBounds(points), pad = 0.35;
    var frame = { type: "MultiPoint", coordinates: [[b[0][0] - pad, b[0][1] - pad], [b[1][0] + pad, b[1][1] + pad]] };
    projection.fitExtent([[24, 24], [W - 24, H - 24]], frame);
    var path = d3.geoPath(projection);
    if (us) {
      var states = topojson.feature(us, us.objects.states);
      el("path", { d: path(states), fill: "#fbfbf8", stroke: "#b8c2cc", "stroke-width": 0.8 }, svg);
    }
    var placed = [];
    pins.forEach(function (p) {
      var xy = projection([p.lng, p.lat]);
      if (!xy) return;
      // jobs at the same spot (one ZIP, one building) fan out so every number stays readable
      var near = placed.filter(function (q) { return Math.abs(q[0] - xy[0]) < 14 && Math.abs(q[1] - xy[1]) < 14; }).length;
      if (near) xy = [xy[0] + 16 * near, xy[1]];
      placed.push(xy);
      var g = el("g", { transform: "translate(" + xy[0].toFixed(1) + "," + xy[1].toFixed(1) + ")" }, svg);
      el("path", { d: "M0,0 C-3,-8 -10,-12 -10,-19 A10,10 0 1 1 10,-19 C10,-12 3,-8 0,0 Z", fill: "#e5484d", stroke: "#8f1d21", "stroke-width": 1 }, g);
      var n = el("text", { x: 0, y: -15, "text-anchor": "middle", fill: "#fff", "font-size": 11, "font-weight": 700, "font-family": "sans-serif" }, g);
      n.textContent = String(p.n);
      var tip = el("title", {}, g); tip.textContent = p.n + ". " + p.hours + " " + p.address;
    });
  }

  function start(us) {
    root.querySelectorAll("[data-pins]").forEach(function (box) { draw(box, us); });
  }
  if (window.d3 && window.topojson) {
    fetch(root.getAttribute("data-outlines")).then(function (r) { return r.json(); }).then(start, function () { start(null); });
  }

  function flash(button, words) {
    var was = button.textContent; button.textContent = words;
    setTimeout(function () { button.textContent = was; }, 1500);
  }

  function png(svg) {
    return new Promise(function (resolve, reject) {
      var data = new XMLSerializer().serializeToString(svg);
      var img = new Image(), scale = 2;
      img.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = W * scale; canvas.height = H * scale;
        var ctx = canvas.getContext("2d");
        ctx.scale(scale, scale); ctx.drawImage(img, 0, 0, W, H);
        canvas.toBlob(function (blob) { blob ? resolve(blob) : reject(new Error("no image")); }, "image/png");
      };
      img.onerror = reject;
      img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(data);
    });
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target.closest("[data-copy]");
    if (t) {
      ev.preventDefault();
      navigator.clipboard.writeText(t.getAttribute("data-copy")).then(function () { flash(t, "Copied ✓"); }, function () { window.prompt("Copy:", t.getAttribute("data-copy")); });
      return;
    }
    var b = ev.target.closest("[data-copy-image]");
    if (!b) return;
    var svg = b.closest("[data-reminder]").querySelector("svg");
    if (!svg || !window.ClipboardItem) { flash(b, "Not supported here"); return; }
    // the promise goes into the ClipboardItem so Safari keeps the click's permission
    navigator.clipboard.write([new ClipboardItem({ "image/png": png(svg) })]).then(
      function () { flash(b, "Copied ✓"); },
      function () { flash(b, "Copy failed"); }
    );
  });
})();
