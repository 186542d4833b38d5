// Lead sources (Maintenance → Lead sources): drag a card by its handle to reorder.
//
// The card moves as it is dragged; on drop the whole order is posted to the list's data-order-url
// (repeated `key` fields). The server answers with the page (its redirect, followed), and the list is
// swapped for the server's: saved, that is the new order with its ↑/↓ buttons right; refused, the
// order as it was, with the reason. A drag let go outside the list puts the card back. The ↑/↓
// forms stay the keyboard (and no-JS) way to reorder.
(function () {
  "use strict";
  var list = document.getElementById("source-list");
  var status = document.getElementById("source-order-status");
  if (!list) return;
  var dragging = null;
  var before = null;  // the order when the drag started
  var dropped = false;

  function cards() { return Array.prototype.slice.call(list.querySelectorAll(".source-row[data-source]")); }
  function order() { return cards().map(function (c) { return c.getAttribute("data-source"); }); }

  function arm() {
    list.querySelectorAll(".drag-handle").forEach(function (handle) {
      handle.setAttribute("draggable", "true");
    });
    list.classList.add("sortable");
  }

  function say(text, bad) {
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("error", !!bad);
  }

  function restore(keys) {
    var byKey = {};
    cards().forEach(function (c) { byKey[c.getAttribute("data-source")] = c; });
    keys.forEach(function (k) { if (byKey[k]) list.appendChild(byKey[k]); });
  }

  function save(keys) {
    var token = document.querySelector('input[name="csrf_token"]');
    var body = new URLSearchParams();
    if (token) body.append("csrf_token", token.value);
    keys.forEach(function (k) { body.append("key", k); });
    list.setAttribute("aria-busy", "true");
    say("Saving the order…");
    fetch(list.getAttribute("data-order-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: token ? { "X-CSRF-Token": token.value } : {},
    })
      .then(function (r) { return r.text().then(function (html) { return { ok: r.ok, html: html }; }); })
      .then(function (answer) {
        var doc = new DOMParser().parseFromString(answer.html, "text/html");
        var fresh = doc.getElementById("source-list");
        if (fresh) { list.innerHTML = fresh.innerHTML; arm(); }
        else restore(before);
        var reason = doc.querySelector(".error");
        if (answer.ok) say("Order saved.");
        else say(reason ? reason.textContent : "The order was not saved.", true);
      })
      .catch(function () { restore(before); say("The order was not saved: no answer from the server.", true); })
      .then(function () { list.removeAttribute("aria-busy"); });
  }

  list.addEventListener("dragstart", function (evt) {
    var handle = evt.target.closest && evt.target.closest(".drag-handle");
    if (!handle) return;
    dragging = handle.closest(".source-row");
    before = order();
    dropped = false;
    evt.dataTransfer.effectAllowed = "move";
    evt.dataTransfer.setData("text/plain", dragging.getAttribute("data-source"));
    try { evt.dataTransfer.setDragImage(dragging, 24, 24); } catch (e) { /* older engines */ }
    // After the browser took its snapshot of the card for the drag image.
    setTimeout(function () { if (dragging) dragging.classList.add("dragging"); }, 0);
  });

  list.addEventListener("dragover", function (evt) {
    if (!dragging) return;
    evt.preventDefault();
    evt.dataTransfer.dropEffect = "move";
    var over = evt.target.closest && evt.target.closest(".source-row[data-source]");
    if (!over || over === dragging) return;
    var box = over.getBoundingClientRect();
    var after = evt.clientY > box.top + box.height / 2;
    var anchor = after ? over.nextElementSibling : over;
    if (anchor !== dragging && dragging.nextElementSibling !== anchor) list.insertBefore(dragging, anchor);
  });

  list.addEventListener("drop", function (evt) {
    if (!dragging) return;
    evt.preventDefault();
    dropped = true;
  });

  list.addEventListener("dragend", function () {
    if (!dragging) return;
    dragging.classList.remove("dragging");
    var moved = dragging;
    dragging = null;
    if (!dropped) { restore(before); return; }
    var keys = order();
    if (keys.join("\n") !== before.join("\n")) save(keys);
    var handle = moved.querySelector(".drag-handle");
    if (handle) moved.scrollIntoView({ block: "nearest" });
  });

  arm();
})();
