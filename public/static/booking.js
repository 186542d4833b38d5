// The booking widget's steps (service → date & time → your info). Without this file the form still
// works: every step shows at once and the server checks everything.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setError(form, name, message) {
    var el = form.querySelector('[data-error-for="' + name + '"]');
    if (el) {
      el.textContent = message || "";
      el.hidden = !message;
    }
    var input = form.querySelector('[name="' + name + '"]');
    if (input && input.type !== "radio") {
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    return !message;
  }

  function checked(form, name) {
    return form.querySelector('input[name="' + name + '"]:checked');
  }

  function init() {
    var form = document.querySelector(".bk-form");
    if (!form) return;
    var steps = Array.prototype.slice.call(form.querySelectorAll(".bk-step"));
    var tabs = Array.prototype.slice.call(document.querySelectorAll("[data-step-tab]"));
    var weeks = Array.prototype.slice.call(form.querySelectorAll("[data-week]"));
    var hours = Array.prototype.slice.call(form.querySelectorAll('input[name="hour"]'));
    var current = 0;
    var week = 0;

    var checks = {
      service: function () {
        return setError(form, "service", checked(form, "service") ? "" : "Choose a service.");
      },
      when: function () {
        var day = checked(form, "day");
        var hour = checked(form, "hour");
        var ok = day && hour && !hour.disabled;
        return setError(form, "window", ok ? "" : day ? "Pick a time." : "Pick a day and a time.");
      },
      info: function () {
        var first = form.elements.first_name.value.trim();
        var digits = form.elements.phone.value.replace(/\D/g, "").replace(/^1(?=\d{10}$)/, "");
        var email = form.elements.email.value.trim();
        var a = setError(form, "first_name", first ? "" : "Tell us your first name.");
        var b = setError(form, "phone", digits.length === 10 ? "" : "Enter a 10-digit US phone number.");
        var c = setError(form, "email", !email || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) ? "" : "That email address doesn't look right.");
        return a && b && c;
      },
    };

    function summary() {
      var box = form.querySelector("[data-summary]");
      var day = checked(form, "day");
      var hour = checked(form, "hour");
      var service = checked(form, "service");
      if (!box || !day || !hour) return;
      var parts = [];
      if (service) parts.push(service.closest("label").querySelector(".bk-service-name").textContent);
      parts.push(day.getAttribute("data-name") + ", " + hour.parentNode.textContent.trim());
      box.textContent = parts.join(" · ");
      box.hidden = false;
    }

    function show(index, focus) {
      current = index;
      steps.forEach(function (step, n) {
        step.classList.toggle("is-current", n === index);
      });
      tabs.forEach(function (tab, n) {
        tab.classList.toggle("is-current", n === index);
        tab.classList.toggle("is-done", n < index);
        if (n === index) tab.setAttribute("aria-current", "step");
        else tab.removeAttribute("aria-current");
      });
      summary();
      if (focus) {
        var legend = steps[index].querySelector("legend");
        legend.setAttribute("tabindex", "-1");
        legend.focus({ preventScroll: true });
        // Bring the step into view inside this document only: scrolling into view would also
        // scroll the host page around an iframe.
        if (form.getBoundingClientRect().top < 0) window.scrollTo(0, 0);
      }
    }

    function showWeek(n) {
      week = Math.max(0, Math.min(n, weeks.length - 1));
      weeks.forEach(function (w, i) {
        w.hidden = i !== week;
      });
      form.querySelector("[data-week-prev]").disabled = week === 0;
      form.querySelector("[data-week-next]").disabled = week === weeks.length - 1;
      form.querySelector("[data-week-label]").textContent = weeks[week].getAttribute("data-label");
    }

    function showHours() {
      var day = checked(form, "day");
      var open = day ? day.getAttribute("data-hours").split(" ") : [];
      hours.forEach(function (input) {
        var off = open.indexOf(input.value) < 0;
        input.disabled = off;
        input.parentNode.hidden = off;
        if (off) input.checked = false;
      });
      form.querySelector("[data-times-hint]").hidden = !day || open.join("") !== "";
    }

    form.addEventListener("click", function (event) {
      var target = event.target.closest("button");
      if (!target) return;
      if (target.hasAttribute("data-next")) {
        if (checks[steps[current].getAttribute("data-step")]()) show(current + 1, true);
      } else if (target.hasAttribute("data-back")) {
        show(current - 1, true);
      } else if (target.hasAttribute("data-week-prev")) {
        showWeek(week - 1);
      } else if (target.hasAttribute("data-week-next")) {
        showWeek(week + 1);
      }
    });

    form.addEventListener("change", function (event) {
      var name = event.target.name;
      if (name === "day") showHours();
      if (name === "service") setError(form, "service", "");
      if (name === "day" || name === "hour") setError(form, "window", "");
    });

    var sent = false;
    form.addEventListener("submit", function (event) {
      for (var i = 0; i < steps.length; i++) {
        if (!checks[steps[i].getAttribute("data-step")]()) {
          event.preventDefault();
          show(i, true);
          return;
        }
      }
      if (sent) {
        event.preventDefault(); // a double click: the first submission is on its way
        return;
      }
      sent = true;
      var button = form.querySelector("[data-submit]");
      button.setAttribute("aria-disabled", "true");
      button.textContent = "Booking…";
    });

    // Start on the week of the chosen day, or pick the first open day so times show at once.
    var day = checked(form, "day");
    if (day) {
      showWeek(weeks.indexOf(day.closest("[data-week]")));
    } else {
      showWeek(0);
      var first = form.querySelector('input[name="day"]:not([disabled])');
      if (first) {
        first.checked = true;
        showWeek(weeks.indexOf(first.closest("[data-week]")));
      }
    }
    var hour = checked(form, "hour");
    showHours();
    if (hour && !hour.disabled) hour.checked = true;
    var start = form.getAttribute("data-start");
    var at = steps.findIndex(function (s) {
      return s.getAttribute("data-step") === start;
    });
    show(at < 0 ? 0 : at, at >= 0);
  }

  // Inside a business's page: its companion script (booking-embed.js) sends that page's UTM tags and
  // address. Only the page this frame sits in may (the booking page's frame-ancestors allow just the
  // embed's domains). A tag the frame's own address already carries is kept; the page's address
  // replaces the Referer header's, which browsers cut to the origin.
  function listenForTracking() {
    if (window.parent === window) return;
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (event.source !== window.parent || !data || data.type !== "porchlight:tracking") return;
      var form = document.querySelector(".bk-form");
      if (!form || !data.tracking) return;
      Object.keys(data.tracking).forEach(function (key) {
        var input = form.querySelector('input[type="hidden"][name="' + key + '"]');
        var value = data.tracking[key];
        if (input && typeof value === "string" && (key === "referrer" || !input.value)) input.value = value.slice(0, 500);
      });
      form.setAttribute("data-tracking", "received");
    });
    window.parent.postMessage({ type: "porchlight:hello" }, "*");
  }

  function start() {
    init();
    listenForTracking();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
