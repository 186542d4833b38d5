// The coverage map (issue 19, CTR-4 and CTR-6): service areas as pins on an SVG of the US states,
// drawn with the vendored d3-geo (Albers USA) and us-atlas outlines. No request leaves this origin.
// Pins: red = no active contractor, yellow = one, green = two or more. Hover a pin for who covers it;
// pick a contractor to see only their areas; "Areas" edits a contractor's coverage in place, one
// PUT/DELETE per pin, shown at once and undone if the server refuses.
(function () {
  "use strict";
  var root = document.querySelector("[data-coverage]");
  if (!root || !window.d3 || !window.topojson) return;
  var SVG_NS = "http://www.w3.org/2000/svg";
  var svg = root.querySelector("svg.cov-svg");
  var tip = root.querySelector(".cov-tip");
  var banner = root.querySelector(".cov-banner");
  var status = root.querySelector(".cov-status");
  var list = root.querySelector(".cov-list");
  var projection = d3.geoAlbersUsa().scale(1300).translate([487.5, 305]);
  var path = d3.geoPath(projection);
  var areas = {}; // id -> area from /api/coverage
  var pins = {}; // id -> circle
  var picked = null; // contractor id highlighted
  var editing = null; // contractor id being edited
  var pending = {}; // area id -> true while its toggle is in flight
  var jobTypes = JSON.parse(root.getAttribute("data-job-types") || "{}"); // id -> label

  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function say(text, bad) {
    status.textContent = text;
    status.classList.toggle("cov-status-bad", !!bad);
  }

  function activeCount(area) {
    return area.contractors.filter(function (c) { return c.active; }).length;
  }

  function density(n) {
    return n === 0 ? "none" : n === 1 ? "single" : "multiple";
  }

  function covers(area, contractorId) {
    return area.contractors.some(function (c) { return c.id === contractorId; });
  }

  function paintPin(id) {
    var area = areas[id];
    var pin = pins[id];
    if (!pin) return;
    var cls = "cov-pin cov-" + density(activeCount(area));
    if (editing !== null) cls += covers(area, editing) ? " cov-covered" : " cov-uncovered";
    else if (picked !== null) cls += covers(area, picked) ? " cov-mine" : " cov-dim";
    if (pending[id]) cls += " cov-pending";
    pin.setAttribute("class", cls);
    pin.setAttribute("data-density", density(activeCount(area)));
    pin.setAttribute("aria-label", area.label + ": " + activeCount(area) + " active contractor(s)");
    if (editing !== null) pin.setAttribute("aria-pressed", covers(area, editing) ? "true" : "false");
    else pin.removeAttribute("aria-pressed");
  }

  function paintAll() {
    Object.keys(pins).forEach(paintPin);
    root.querySelectorAll(".cov-row").forEach(function (row) {
      var id = Number(row.getAttribute("data-contractor-id"));
      row.classList.toggle("cov-row-picked", id === picked || id === editing);
      var count = row.querySelector(".cov-count");
      if (count) {
        var n = Object.keys(areas).filter(function (a) { return covers(areas[a], id); }).length;
        count.textContent = n + (n === 1 ? " area" : " areas");
      }
    });
    if (editing !== null) {
      banner.hidden = false;
      banner.querySelector(".cov-editing-name").textContent = nameOf(editing);
    } else {
      banner.hidden = true;
    }
    root.classList.toggle("cov-is-editing", editing !== null);
  }

  function nameOf(id) {
    var row = root.querySelector('.cov-row[data-contractor-id="' + id + '"]');
    return row ? row.getAttribute("data-name") : "";
  }

  function showTip(id, pin) {
    if (editing !== null) return; // CTR-6: hover popovers are suppressed while editing
    var area = areas[id];
    tip.textContent = "";
    var head = document.createElement("strong");
    head.textContent = area.label;
    tip.appendChild(head);
    var where = document.createElement("div");
    where.className = "cov-tip-where";
    where.textContent = area.city + ", " + area.state + " " + area.zip;
    tip.appendChild(where);
    var ul = document.createElement("ul");
    area.contractors.forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = c.name + (c.active ? "" : " (off)");
      if (!c.active) li.className = "cov-off";
      ul.appendChild(li);
    });
    if (!area.contractors.length) {
      var none = document.createElement("li");
      none.textContent = "No contractor covers this area.";
      ul.appendChild(none);
    }
    tip.appendChild(ul);
    var types = Object.keys(area.by_job_type || {});
    if (types.length) {
      var byType = document.createElement("div");
      byType.className = "cov-tip-types";
      byType.textContent = "By job type: " + types.map(function (t) {
        return (jobTypes[t] || "type " + t) + " " + area.by_job_type[t];
      }).join(" · ");
      tip.appendChild(byType);
    }
    var box = svg.getBoundingClientRect();
    var at = pin.getBoundingClientRect();
    var host = root.querySelector(".cov-stage").getBoundingClientRect();
    tip.hidden = false;
    var left = at.left - host.left + at.width + 6;
    if (left + tip.offsetWidth > box.right - host.left) left = at.left - host.left - tip.offsetWidth - 6;
    tip.style.left = Math.max(0, left) + "px";
    tip.style.top = Math.max(0, at.top - host.top - 8) + "px";
  }

  function hideTip() {
    tip.hidden = true;
  }

  function toggle(id) {
    if (editing === null || pending[id]) return;
    var area = areas[id];
    var contractorId = editing;
    var adding = !covers(area, contractorId);
    var before = area.contractors.slice();
    var row = root.querySelector('.cov-row[data-contractor-id="' + contractorId + '"]');
    if (adding) {
      area.contractors = before.concat([{ id: contractorId, name: nameOf(contractorId), active: row.getAttribute("data-active") === "1" }]);
    } else {
      area.contractors = before.filter(function (c) { return c.id !== contractorId; });
    }
    pending[id] = true;
    paintAll();
    say((adding ? "Adding " : "Removing ") + area.label + "…");
    fetch("/api/contractors/" + contractorId + "/areas/" + id, {
      method: adding ? "PUT" : "DELETE",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf(), Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          return response.json().then(
            function (body) { throw new Error(body.detail || "HTTP " + response.status); },
            function () { throw new Error("HTTP " + response.status); }
          );
        }
        say((adding ? "Added " : "Removed ") + area.label + (adding ? " to " : " from ") + nameOf(contractorId) + ".");
      })
      .catch(function (err) {
        area.contractors = before; // rollback
        say("Couldn't save " + area.label + ": " + err.message + " The change was undone.", true);
      })
      .then(function () {
        delete pending[id];
        paintAll();
      });
  }

  function drawPins() {
    var layer = el("g", { class: "cov-pins" }, svg);
    var missing = 0;
    Object.keys(areas).forEach(function (id) {
      var area = areas[id];
      var xy = projection([area.lng, area.lat]);
      if (!xy) { missing += 1; return; }
      var pin = el("circle", { cx: xy[0].toFixed(1), cy: xy[1].toFixed(1), r: 7, tabindex: 0, role: "button", "data-area-id": id, "vector-effect": "non-scaling-stroke" }, layer);
      pins[id] = pin;
      el("title", {}, pin).textContent = area.label + " (" + area.city + ", " + area.state + ")";
      pin.addEventListener("mouseenter", function () { showTip(id, pin); });
      pin.addEventListener("focus", function () { showTip(id, pin); });
      pin.addEventListener("mouseleave", hideTip);
      pin.addEventListener("blur", hideTip);
      pin.addEventListener("click", function () { if (!dragged) toggle(id); });
      pin.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(id); }
      });
    });
    if (missing) say(missing + " area(s) lie outside the map's projection and are not shown.");
  }

  function drawStates(us) {
    var states = topojson.feature(us, us.objects.states).features;
    var layer = el("g", { class: "cov-states" }, svg);
    states.forEach(function (f) { el("path", { d: path(f) }, layer); });
    el("path", { class: "cov-borders", "vector-effect": "non-scaling-stroke", d: path(topojson.mesh(us, us.objects.states, function (a, b) { return a !== b; })) }, svg);
  }

  function pick(id) {
    hideTip();
    if (editing !== null) editing = null; // CTR-6: clicking another contractor leaves edit mode
    picked = picked === id ? null : id;
    paintAll();
  }

  function edit(id) {
    hideTip();
    picked = null;
    editing = editing === id ? null : id;
    say(editing === null ? "" : "Click pins to add or remove " + nameOf(id) + "'s areas.");
    paintAll();
  }


  // Zoom and pan by the viewBox (wheel, drag, double-click, the + / − / fit buttons). Pins keep their
  // size on screen. Editing never changes the view (CTR-6: no re-zoom).
  var FULL = { x: 0, y: 0, w: 975, h: 610 };
  var view = { x: 0, y: 0, w: 975, h: 610 };
  var dragged = false;

  function setView(next) {
    var w = Math.min(FULL.w, Math.max(FULL.w / 48, next.w));
    var h = w * FULL.h / FULL.w;
    var x = Math.min(FULL.w - w, Math.max(0, next.x));
    var y = Math.min(FULL.h - h, Math.max(0, next.y));
    view = { x: x, y: y, w: w, h: h };
    svg.setAttribute("viewBox", [x, y, w, h].map(function (n) { return n.toFixed(2); }).join(" "));
    root.setAttribute("data-zoom", (FULL.w / w).toFixed(2));
    svg.style.touchAction = w < FULL.w ? "none" : "pan-y"; // zoomed in: a finger pans the map, not the page
    sizePins();
  }

  function sizePins() {
    var shown = svg.getBoundingClientRect().width || FULL.w;
    var px = shown < 600 ? 7 : 6.5;
    var r = (px * view.w / shown).toFixed(2);
    Object.keys(pins).forEach(function (id) { pins[id].setAttribute("r", r); });
  }

  function svgPoint(clientX, clientY) {
    var box = svg.getBoundingClientRect();
    return { x: view.x + (clientX - box.left) * view.w / box.width, y: view.y + (clientY - box.top) * view.h / box.height };
  }

  function zoomAt(point, factor) {
    var w = Math.min(FULL.w, Math.max(FULL.w / 48, view.w / factor));
    var k = w / view.w;
    setView({ x: point.x - (point.x - view.x) * k, y: point.y - (point.y - view.y) * k, w: w });
  }

  function fitPins() {
    var xs = [], ys = [];
    var who = editing !== null ? editing : picked; // the chosen contractor's areas, else every area
    var ids = Object.keys(pins).filter(function (id) { return who === null || covers(areas[id], who); });
    if (!ids.length) ids = Object.keys(pins);
    ids.forEach(function (id) {
      xs.push(Number(pins[id].getAttribute("cx")));
      ys.push(Number(pins[id].getAttribute("cy")));
    });
    if (!xs.length) return setView(FULL);
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var w = Math.max((x1 - x0) * 1.5, (y1 - y0) * 1.5 * FULL.w / FULL.h, FULL.w / 48);
    setView({ x: (x0 + x1) / 2 - w / 2, y: (y0 + y1) / 2 - w * FULL.h / FULL.w / 2, w: w });
  }

  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    hideTip();
    zoomAt(svgPoint(e.clientX, e.clientY), e.deltaY < 0 ? 1.25 : 0.8);
  }, { passive: false });
  svg.addEventListener("dblclick", function (e) {
    e.preventDefault();
    if (e.target.classList.contains("cov-pin")) return; // two clicks on a pin are two toggles, not a zoom
    zoomAt(svgPoint(e.clientX, e.clientY), 2);
  });
  var drag = null;
  svg.addEventListener("pointerdown", function (e) {
    dragged = false;
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, view: view, id: e.pointerId };
  });
  svg.addEventListener("pointermove", function (e) {
    if (!drag || e.pointerId !== drag.id) return;
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!dragged && Math.abs(dx) + Math.abs(dy) < 5) return;
    if (!dragged) { svg.setPointerCapture(e.pointerId); hideTip(); }
    dragged = true;
    var scale = drag.view.w / svg.getBoundingClientRect().width;
    setView({ x: drag.view.x - dx * scale, y: drag.view.y - dy * scale, w: drag.view.w });
  });
  function endDrag() { drag = null; setTimeout(function () { dragged = false; }, 0); }
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", endDrag);
  root.querySelector(".cov-zoom-in").addEventListener("click", function () {
    zoomAt({ x: view.x + view.w / 2, y: view.y + view.h / 2 }, 2);
  });
  root.querySelector(".cov-zoom-out").addEventListener("click", function () {
    zoomAt({ x: view.x + view.w / 2, y: view.y + view.h / 2 }, 0.5);
  });
  root.querySelector(".cov-zoom-fit").addEventListener("click", fitPins);
  root.querySelector(".cov-zoom-all").addEventListener("click", function () { setView(FULL); });
  window.addEventListener("resize", sizePins);

  list.addEventListener("click", function (e) {
    var button = e.target.closest("button");
    if (!button) return;
    var id = Number(button.closest(".cov-row").getAttribute("data-contractor-id"));
    if (button.classList.contains("cov-edit")) edit(id);
    else if (button.classList.contains("cov-pick")) pick(id);
  });
  banner.querySelector(".cov-done").addEventListener("click", function () { edit(editing); });

  var search = root.querySelector(".cov-search");
  if (search) {
    search.addEventListener("input", function () {
      var words = search.value.toLowerCase().trim();
      root.querySelectorAll(".cov-row").forEach(function (row) {
        row.hidden = words !== "" && row.getAttribute("data-name").toLowerCase().indexOf(words) < 0;
      });
    });
  }

  function json(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  Promise.all([json(root.getAttribute("data-outlines")), json(root.getAttribute("data-coverage-url"))])
    .then(function (results) {
      drawStates(results[0]);
      results[1].areas.forEach(function (a) { areas[a.id] = a; });
      drawPins();
      setView(FULL);
      paintAll();
      root.setAttribute("data-ready", "1");
    })
    .catch(function (err) {
      say("The map could not load: " + err.message, true);
    });
})();
