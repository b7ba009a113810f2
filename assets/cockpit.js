/* Cockpit browser code: the header clock and the shell's clientside callbacks.
   Hand-written, no framework, no network. Everything lives under window.cockpit. */
(function () {
  "use strict";

  var formatters = {};

  function formatter(tz, lang) {
    var key = tz + "|" + lang;
    if (!formatters[key]) {
      formatters[key] = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "zh-CN", {
        timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", weekday: "short",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
      });
    }
    return formatters[key];
  }

  var offset = null;  // server clock minus this browser's clock, in ms

  var cockpit = {
    /* Now by the server's clock (rendered into the header clock), not the wall PC's. */
    now: function () {
      if (offset === null) {
        var el = document.querySelector(".clock[data-server-now]");
        if (!el) { return Date.now(); }
        offset = +el.getAttribute("data-server-now") - Date.now();
      }
      return Date.now() + offset;
    },

    /* {date: "2026-05-01 周五", time: "08:00:00"} for `date` in time zone `tz`. */
    clockText: function (date, tz, lang) {
      var p = {};
      formatter(tz, lang).formatToParts(date).forEach(function (part) { p[part.type] = part.value; });
      return {
        date: p.year + "-" + p.month + "-" + p.day + " " + p.weekday,
        time: p.hour + ":" + p.minute + ":" + p.second
      };
    },

    /* Write the time into every clock element (rendered by layouts/shell.py with data-tz). */
    tick: function () {
      var now = new Date(cockpit.now());
      document.querySelectorAll(".clock[data-tz]").forEach(function (el) {
        if (!el.firstChild) {
          el.appendChild(document.createElement("span")).className = "clock-date";
          el.appendChild(document.createElement("span")).className = "clock-time";
        }
        var text = cockpit.clockText(now, el.getAttribute("data-tz"), el.getAttribute("data-lang"));
        el.children[0].textContent = text.date;
        el.children[1].textContent = text.time;
      });
    },

    /* Tick on each second boundary, and at once when Dash renders a new clock. */
    startClock: function () {
      cockpit.tick();
      setTimeout(cockpit.startClock, 1000 - (Date.now() % 1000));
    },

    watchForClocks: function () {
      new MutationObserver(function () {
        if (document.querySelector(".clock[data-tz]:empty")) { cockpit.tick(); }
      }).observe(document.documentElement, {childList: true, subtree: true});
    },

    /* Clientside callback: mark the navigation link of the current path. */
    activeNav: function (pathname, ids) {
      return ids.map(function (id) { return id.path === pathname ? "nav-link active" : "nav-link"; });
    }
  };

  window.cockpit = cockpit;
  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.cockpit = cockpit;
  cockpit.watchForClocks();
  cockpit.startClock();
})();
