/* /live: countdowns to deadlines, the alarm sound switch and the beep (Web Audio, no files).
   Hand-written, no network. Everything lives under window.cockpitLive. */
(function () {
  "use strict";
  var SOUND_KEY = "cockpit.live.sound";
  var seen = null;  // alarm keys already announced on this page
  var audio = null;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /* The page's words in its language: layouts/live.py puts data-lang on the page root. */
  var WORDS = {
    zh: {left: "剩余 ", over: "超期 ", paused: "挂账 ", soundOn: "声音：开", soundOff: "声音：关"},
    en: {left: "Left ", over: "Overdue ", paused: "Suspended ", soundOn: "Sound: on", soundOff: "Sound: off"}
  };
  function words() {
    var root = document.querySelector(".live[data-lang]");
    return WORDS[root && root.getAttribute("data-lang") === "en" ? "en" : "zh"];
  }

  var live = {
    soundOn: function () { return window.localStorage.getItem(SOUND_KEY) === "on"; },

    /* "剩余 0:12:34" before the deadline, "超期 1:02:03" after it (Left / Overdue in English). */
    countdownText: function (deadlineMs, nowMs, w) {
      w = w || words();
      var left = Math.round((deadlineMs - nowMs) / 1000), over = left < 0, s = Math.abs(left);
      var text = Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
      return (over ? w.over : w.left) + text;
    },

    tick: function () {
      var now = window.cockpit ? window.cockpit.now() : Date.now(), w = words();
      document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
        var text = live.countdownText(+el.getAttribute("data-deadline"), now, w);
        if (el.getAttribute("data-paused") === "1") { text = w.paused + text; }
        if (el.textContent !== text) { el.textContent = text; }
      });
    },

    beep: function () {
      try {
        audio = audio || new (window.AudioContext || window.webkitAudioContext)();
        if (audio.state === "suspended") { audio.resume(); }
        [0, 0.28].forEach(function (offset) {
          var osc = audio.createOscillator(), gain = audio.createGain(), t = audio.currentTime + offset;
          osc.type = "square";
          osc.frequency.setValueAtTime(880, t);
          gain.gain.setValueAtTime(0.0001, t);
          gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
          gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.22);
          osc.connect(gain).connect(audio.destination);
          osc.start(t);
          osc.stop(t + 0.25);
        });
        live.beeps = (live.beeps || 0) + 1;
      } catch (e) { /* no audio device: the list still shows the alarm */ }
    },

    /* Clientside callback on the alarm state [[key, acked], ...]: beep for new open alarms. */
    onAlarms: function (state) {
      var fresh = false, keys = {};
      (state || []).forEach(function (pair) {
        keys[pair[0]] = true;
        if (seen && !seen[pair[0]] && !pair[1]) { fresh = true; }
      });
      seen = Object.assign(seen || {}, keys);
      if (fresh && live.soundOn()) { live.beep(); }
      return fresh ? "new alarm" : "";
    },

    MAX_ROWS: 60,

    /* Clientside callback on live-new: prepend the new rows (oldest first in `rows`), newest
       on top, and drop the oldest beyond MAX_ROWS. Existing rows are never touched. */
    addRows: function (rows) {
      var list = document.getElementById("live-feed-list");
      if (!list || !rows) { return window.dash_clientside.no_update; }
      var first = !list.firstChild;
      rows.forEach(function (row) {
        if (document.getElementById("live-case-" + row.case_no)) { return; }
        var a = document.createElement("a");
        a.id = "live-case-" + row.case_no;
        a.href = "/case/" + encodeURIComponent(row.case_no);
        a.title = row.case_no;
        a.className = "live-row" + (first ? "" : " new") + (row.urgent ? " urgent" : "");
        [["live-time", row.time], ["live-no", row.case_no], ["live-cat", row.category],
         ["live-src src-" + row.source, row.source_label], ["live-addr", row.place],
         ["live-status", row.status]].forEach(function (cell) {
          var span = document.createElement("span");
          span.className = cell[0];
          span.textContent = cell[1];
          a.appendChild(span);
        });
        list.insertBefore(a, list.firstChild);
      });
      while (list.children.length > live.MAX_ROWS) { list.removeChild(list.lastChild); }
      live.added = (live.added || 0) + (first ? 0 : rows.length);
      return live.added ? "+" + live.added : "";
    },

    /* A row click navigates inside the Dash app, like dcc.Link (no page reload). */
    follow: function (event) {
      var a = event.target.closest && event.target.closest("a.live-row");
      if (!a || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
      event.preventDefault();
      window.history.pushState({}, "", a.getAttribute("href"));
      window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
      window.scrollTo(0, 0);
    },

    showSound: function () {
      var button = document.getElementById("live-sound");
      if (!button) { return; }
      var on = live.soundOn();
      button.setAttribute("data-on", on ? "1" : "0");
      button.textContent = on ? words().soundOn : words().soundOff;
    }
  };

  document.addEventListener("click", function (event) {
    live.follow(event);
    if (event.target && event.target.id === "live-sound") {
      window.localStorage.setItem(SOUND_KEY, live.soundOn() ? "off" : "on");
      live.showSound();
      if (live.soundOn()) { live.beep(); }  // a click unlocks audio and lets the officer hear it
    }
  });
  new MutationObserver(function () {
    var button = document.getElementById("live-sound");
    if (button && button.getAttribute("data-on") !== (live.soundOn() ? "1" : "0")) { live.showSound(); }
  }).observe(document.documentElement, {childList: true, subtree: true});
  setInterval(live.tick, 1000);
  window.cockpitLive = live;
})();
