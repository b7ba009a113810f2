/* Kiosk mode and the playlist player. Hand-written, no network; lives under window.cockpitKiosk.
   - ?kiosk=1 on any page (or a /kiosk/ page) sets html.kiosk: CSS hides navigation and filters.
   - ?reload=<hours> (or the playlist's reload_hours) reloads the page now and then.
   - /kiosk/<name>: two iframes take turns; → / PageDown next, ← / PageUp previous; any click,
     key or wheel pauses the rotation, which resumes after the playlist's idle_seconds.
     An item's seconds count from when it is on screen, not from when it started loading, so a
     slow screen never skips items; one that fails to load within LOAD_LIMIT is passed over. */
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var inKiosk = params.get("kiosk") === "1" || window.location.pathname.indexOf("/kiosk/") === 0;
  if (inKiosk) { document.documentElement.classList.add("kiosk"); }
  if (window.location.pathname.indexOf("/kiosk/") === 0) { document.documentElement.classList.add("kiosk-player-page"); }
  var reloadHours = parseFloat(params.get("reload"));
  if (reloadHours > 0 && window.top === window) {
    setTimeout(function () { window.location.reload(); }, reloadHours * 3600 * 1000);
  }

  var player = null;
  var LOAD_LIMIT = 60 * 1000;

  function now() { return Date.now(); }

  function Player(root) {
    this.root = root;
    this.config = JSON.parse(root.getAttribute("data-playlist"));
    this.frames = [root.querySelector("#kiosk-frame-a"), root.querySelector("#kiosk-frame-b")];
    this.front = 0;
    this.index = -1;
    this.paused = false;
    this.resumeAt = 0;
    this.itemStart = now();
    this.started = now();
    this.switches = 0;
    this.status = root.querySelector("#kiosk-status");
    var self = this;
    this.onActivity = function (event) { self.activity(event); };
    ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (type) {
      window.addEventListener(type, self.onActivity, true);
    });
    this.frames.forEach(function (frame, i) {
      frame.addEventListener("load", function () { self.loaded(i); });
    });
    this.show(0);
    this.timer = setInterval(function () { self.step(); }, 500);
  }

  Player.prototype.url = function (i) { return this.config.items[i].url; };

  /* Load item i into the back frame; it swaps to the front when loaded. */
  Player.prototype.show = function (i) {
    var n = this.config.items.length;
    this.index = ((i % n) + n) % n;
    this.itemStart = now();
    this.loading = true;
    this.switches += 1;
    var reload = this.config.reload_hours;
    if (reload && now() - this.started > reload * 3600 * 1000) { window.location.reload(); return; }
    var back = this.frames[1 - this.front];
    back.setAttribute("data-index", String(this.index));
    back.src = this.url(this.index);
    this.render();
  };

  Player.prototype.loaded = function (i) {
    var frame = this.frames[i];
    if (!frame.getAttribute("src") || frame.getAttribute("src") === "about:blank" || i === this.front) { return; }
    var self = this;
    try {  // same origin: listen for interaction inside the item too
      ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (type) {
        frame.contentWindow.addEventListener(type, self.onActivity, true);
      });
    } catch (e) { /* not same origin */ }
    // Give Dash a moment to draw the panels before the swap.
    setTimeout(function () {
      if (String(self.index) !== frame.getAttribute("data-index")) { return; }  // superseded
      var old = self.frames[self.front];
      self.front = i;
      self.loading = false;
      self.itemStart = now();
      frame.classList.add("front");
      old.classList.remove("front");
      old.removeAttribute("data-index");
      old.src = "about:blank";  // free the previous document
      self.render();
    }, 1200);
  };

  Player.prototype.activity = function (event) {
    var key = event.type === "keydown" ? event.key : null;
    this.paused = true;
    this.resumeAt = now() + this.config.idle_seconds * 1000;
    if (key === "ArrowRight" || key === "PageDown") { event.preventDefault(); this.show(this.index + 1); }
    else if (key === "ArrowLeft" || key === "PageUp") { event.preventDefault(); this.show(this.index - 1); }
    this.render();
  };

  Player.prototype.step = function () {
    var t = now();
    if (this.paused) {
      if (t < this.resumeAt) { return; }
      this.paused = false;
      this.itemStart = t;
      this.render();
    }
    var shown = this.loading ? LOAD_LIMIT : this.config.items[this.index].seconds * 1000;
    if (t - this.itemStart >= shown) { this.show(this.index + 1); }
  };

  Player.prototype.render = function () {
    var item = this.config.items[this.index];
    var text = (this.index + 1) + "/" + this.config.items.length + " " + item.title + (this.paused ? " · " + (this.config.paused || "已暂停") : "");
    if (this.status.textContent !== text) { this.status.textContent = text; }
    this.root.setAttribute("data-index", String(this.index));
    this.root.setAttribute("data-paused", this.paused ? "1" : "0");
  };

  Player.prototype.state = function () {
    return {index: this.index, paused: this.paused, switches: this.switches, loading: this.loading,
            url: this.frames[this.front].getAttribute("src"), front: this.front};
  };

  function attach() {
    var root = document.querySelector(".kiosk-player[data-playlist]");
    if (root && (!player || player.root !== root)) { player = new Player(root); window.cockpitKiosk.player = player; }
  }

  window.cockpitKiosk = {
    state: function () { return player ? player.state() : null; },
    next: function () { if (player) { player.show(player.index + 1); } }
  };
  if (window.location.pathname.indexOf("/kiosk/") === 0) {
    var watch = new MutationObserver(function () {
      attach();
      if (player) { watch.disconnect(); }
    });
    watch.observe(document.documentElement, {childList: true, subtree: true});
  }
})();
