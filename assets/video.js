/* Camera tiles: mount a player in every .vt element that has data-url (layouts/video.py).
   MP4 plays natively, HLS through hls.js, HTTP-FLV through mpegts.js (both vendored in
   assets/vendor, left out of Dash's page scripts by assets_ignore in dashboard/app.py and loaded
   here the first time a tile needs them), MJPEG as a multipart <img>, and a snapshot <img> refreshed every
   data-refresh seconds. Anything that fails or stalls shows the tile's offline state (camera
   name and the time it was last seen) instead of a broken player. Hand-written; everything
   lives under window.cockpitVideo. Each tile's data-state is loading | playing | offline. */
(function () {
  "use strict";

  var STALL_MS = 15000;      /* a video that hasn't started by then counts as unreachable */
  var MJPEG_RECONNECT_MS = 110000;  /* the server ends an MJPEG stream after 120 s */
  var players = [];          /* {tile, destroy} of mounted tiles */
  /* The players' libraries, under the folder this script was served from (offline, by the app). */
  var ASSETS = ((document.currentScript && document.currentScript.src) || "/assets/video.js")
    .replace(/video\.js(\?.*)?$/, "");
  var LIBRARIES = { Hls: "vendor/hls.js/hls.min.js", mpegts: "vendor/mpegts.js/mpegts.js" };
  var loading = {};          /* global name -> Promise of the library, while or once loaded */

  /* The library that defines window[name], loaded with a <script> on first need. */
  function library(name) {
    if (window[name]) { return Promise.resolve(window[name]); }
    if (!loading[name]) {
      loading[name] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = ASSETS + LIBRARIES[name];
        script.onload = function () {
          if (window[name]) { resolve(window[name]); } else { reject(new Error(LIBRARIES[name] + " defined no " + name)); }
        };
        script.onerror = function () {
          delete loading[name];  /* the next tile tries again */
          script.remove();
          reject(new Error(LIBRARIES[name] + " did not load"));
        };
        document.head.appendChild(script);
      });
    }
    return loading[name];
  }

  /* A mounter that loads window[name] first, then calls start(lib, tile, screen, url, fail);
     a tile removed while the library loads mounts nothing. */
  function withLibrary(name, start) {
    return function (tile, screen, url, fail) {
      var gone = false;
      var destroy = null;
      library(name).then(function (lib) {
        if (gone) { return; }
        destroy = start(lib, tile, screen, url, fail);
        if (gone && destroy) { destroy(); }  /* it failed while starting */
      }).catch(function (e) {
        if (!gone) { fail("player error: " + (e && e.message ? e.message : e)); }
      });
      return function () { gone = true; if (destroy) { destroy(); } };
    };
  }

  function setState(tile, state, reason) {
    tile.setAttribute("data-state", state);
    if (reason) { tile.setAttribute("data-reason", reason); }
    tile.classList.toggle("vt-failed", state === "offline");
    tile.classList.toggle("vt-live", state === "playing");
  }

  function withTime(url) {
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "t=" + Date.now();
  }

  function videoElement(screen) {
    var v = document.createElement("video");
    v.muted = true;
    v.autoplay = true;
    v.playsInline = true;
    v.loop = true;
    v.setAttribute("muted", "");
    v.className = "vt-media";
    screen.appendChild(v);
    return v;
  }

  function watchVideo(tile, v, onFail) {
    var started = false;
    v.addEventListener("timeupdate", function () {
      if (v.currentTime > 0 && !started) { started = true; setState(tile, "playing"); }
    });
    v.addEventListener("error", function () { onFail("media error"); });
    v.addEventListener("ended", function () { v.currentTime = 0; v.play().catch(function () {}); });
    var timer = setTimeout(function () { if (!started) { onFail("stalled"); } }, STALL_MS);
    return function () { clearTimeout(timer); };
  }

  function play(v) {
    var p = v.play();
    if (p && p.catch) { p.catch(function () {}); }
  }

  var mounters = {
    mp4: function (tile, screen, url, fail) {
      var v = videoElement(screen);
      var stop = watchVideo(tile, v, fail);
      v.src = url;
      play(v);
      return function () { stop(); v.removeAttribute("src"); v.load(); };
    },

    hls: withLibrary("Hls", function (Hls, tile, screen, url, fail) {
      var v = videoElement(screen);
      var stop = watchVideo(tile, v, fail);
      if (Hls.isSupported()) {
        var hls = new Hls({ enableWorker: false, maxBufferLength: 10 });
        hls.on(Hls.Events.ERROR, function (_e, data) { if (data.fatal) { fail("hls: " + data.details); } });
        hls.loadSource(url);
        hls.attachMedia(v);
        play(v);
        return function () { stop(); hls.destroy(); };
      }
      if (v.canPlayType("application/vnd.apple.mpegurl")) {
        v.src = url;
        play(v);
        return function () { stop(); v.removeAttribute("src"); v.load(); };
      }
      fail("HLS unsupported");
      return stop;
    }),

    flv: withLibrary("mpegts", function (lib, tile, screen, url, fail) {
      if (!lib.isSupported()) { fail("FLV unsupported"); return null; }
      var v = videoElement(screen);
      var stop = watchVideo(tile, v, fail);
      var player = lib.createPlayer({ type: "flv", url: url, isLive: false }, { enableWorker: false });
      player.on(lib.Events.ERROR, function (type, detail) { fail("flv: " + type + " " + detail); });
      player.attachMediaElement(v);
      player.load();
      play(v);
      return function () { stop(); try { player.destroy(); } catch (e) { /* already gone */ } };
    }),

    mjpeg: function (tile, screen, url, fail) {
      var img = document.createElement("img");
      img.className = "vt-media";
      img.alt = tile.getAttribute("data-name") || "";
      var fallback = null;
      /* A refused stream (the server's stream cap, 503) or a broken one: the camera's refreshing
         snapshots instead; if those fail too, the tile shows its offline state. */
      img.onerror = function () {
        clearInterval(timer);
        img.onerror = null;
        img.remove();
        fallback = mounters.snapshot(tile, screen, url.replace(/\/mjpeg$/, "/snapshot.jpg"), fail);
      };
      img.onload = function () { setState(tile, "playing"); };
      img.src = withTime(url);
      screen.appendChild(img);
      var timer = setInterval(function () { img.src = withTime(url); }, MJPEG_RECONNECT_MS);
      return function () {
        clearInterval(timer); img.onerror = null; img.src = "";
        if (fallback) { fallback(); }
      };
    },

    snapshot: function (tile, screen, url, fail) {
      var img = document.createElement("img");
      img.className = "vt-media";
      img.alt = tile.getAttribute("data-name") || "";
      screen.appendChild(img);
      var seconds = parseFloat(tile.getAttribute("data-refresh")) || 5;
      var next = new Image();
      function load() {
        next = new Image();
        var src = withTime(url);
        next.onload = function () {
          img.src = src;
          img.setAttribute("data-loaded-at", String(Date.now()));
          tile.classList.remove("vt-failed");
          setState(tile, "playing");
        };
        next.onerror = function () { fail("snapshot unreachable", true); };
        next.src = src;
      }
      load();
      var timer = setInterval(load, seconds * 1000);
      return function () { clearInterval(timer); next.onload = next.onerror = null; };
    }
  };

  function mount(tile) {
    tile.setAttribute("data-mounted", "1");
    var url = tile.getAttribute("data-url");
    var type = tile.getAttribute("data-type");
    var screen = tile.querySelector(".vt-screen");
    var mounter = mounters[type];
    var entry = { tile: tile, destroy: function () {} };
    var failed = false;
    function fail(reason, keepTrying) {
      if (failed && !keepTrying) { return; }
      failed = !keepTrying;
      setState(tile, "offline", reason);
      if (!keepTrying) {
        entry.destroy();
        entry.destroy = function () {};
        Array.prototype.forEach.call(screen.querySelectorAll(".vt-media"), function (m) { m.remove(); });
      }
    }
    setState(tile, "loading");
    if (!mounter || !url || !screen) { fail("unknown stream type " + type); return; }
    try {
      entry.destroy = mounter(tile, screen, url, fail) || function () {};
    } catch (e) {
      fail("player error: " + e);
    }
    players.push(entry);
  }

  /* Looping clips can't know the time, so their tiles show the real one: the server's clock
     (window.cockpit.now, set from the page's server time) in China Standard Time. */
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clockText() {
    var ms = (window.cockpit && window.cockpit.now) ? window.cockpit.now() : Date.now();
    var d = new Date(ms + 8 * 3600 * 1000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }
  function tickClocks() {
    var clocks = document.querySelectorAll(".vt-clock");
    if (!clocks.length) { return; }
    var text = clockText();
    Array.prototype.forEach.call(clocks, function (el) { if (el.textContent !== text) { el.textContent = text; } });
  }

  function scan() {
    tickClocks();
    players = players.filter(function (p) {
      if (document.body.contains(p.tile)) { return true; }
      try { p.destroy(); } catch (e) { /* already gone */ }
      return false;
    });
    var tiles = document.querySelectorAll(".vt[data-url]:not([data-mounted])");
    Array.prototype.forEach.call(tiles, mount);
    Array.prototype.forEach.call(document.querySelectorAll(".vt.vt-offline-state:not([data-state])"),
      function (t) { setState(t, "offline", "camera offline"); });
  }

  function toggleMax(tile) {
    var on = !tile.classList.contains("vt-maximized");
    Array.prototype.forEach.call(document.querySelectorAll(".vt-maximized"), function (t) {
      t.classList.remove("vt-maximized");
    });
    tile.classList.toggle("vt-maximized", on);
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest(".vt-max");
    if (button) { e.preventDefault(); toggleMax(button.closest(".vt")); }
  });
  document.addEventListener("dblclick", function (e) {
    var screen = e.target.closest && e.target.closest(".vt-screen");
    if (!screen) { return; }
    var tile = screen.closest(".vt");
    if (document.fullscreenElement) { document.exitFullscreen(); return; }
    if (tile.requestFullscreen) {
      tile.requestFullscreen().catch(function () { toggleMax(tile); });
    } else {
      toggleMax(tile);
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      Array.prototype.forEach.call(document.querySelectorAll(".vt-maximized"), function (t) {
        t.classList.remove("vt-maximized");
      });
    }
  });

  window.cockpitVideo = {
    scan: scan,
    mount: mount,
    players: function () { return players.length; },
    clockText: clockText,

    /* dash-leaflet GeoJSON pointToLayer: cameras as circles sized in rem, coloured by kind. */
    pointToLayer: function (feature, latlng) {
      var rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
      var p = feature.properties || {};
      var colours = { ai: "#ff5a6e", high_point: "#ffb547", intersection: "#00d4ff", body_cam: "#19e3c1" };
      var marker = window.L.circleMarker(latlng, {
        radius: rem * 0.35, weight: rem * 0.1, color: "#ffffff",
        fillColor: p.status === "online" ? (colours[p.kind] || "#00d4ff") : "#56657a", fillOpacity: 0.95
      });
      if (p.tooltip) { marker.bindTooltip(p.tooltip); }
      return marker;
    }
  };

  setInterval(scan, 250);
  if (document.readyState !== "loading") { scan(); } else { document.addEventListener("DOMContentLoaded", scan); }
})();
