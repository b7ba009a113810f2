/* The header's menus (版面, 一张图) are native <details>: the browser opens them with a click,
   Enter or Space. This closes a menu after a choice, on a click elsewhere and on Escape (focus
   back on its label), keeps one open at a time, and writes the page shown next to the name of
   the menu that holds it. */
(function () {
    "use strict";

    function menus() { return document.querySelectorAll("details.nav-group"); }

    function closeAll(except) {
        menus().forEach(function (d) { if (d !== except && d.open) { d.removeAttribute("open"); } });
    }

    function markCurrent() {
        menus().forEach(function (d) {
            var active = d.querySelector(".nav-menu .nav-link.active");
            var current = d.querySelector(".nav-group-current");
            var text = active ? active.textContent : "";
            if (d.classList.contains("has-active") !== !!active) { d.classList.toggle("has-active", !!active); }
            if (current && current.textContent !== text) { current.textContent = text; }
        });
    }

    document.addEventListener("click", function (e) {
        var inside = e.target.closest && e.target.closest("details.nav-group");
        if (e.target.closest && e.target.closest(".nav-menu a")) { closeAll(null); return; }
        closeAll(inside);
    });
    document.addEventListener("keydown", function (e) {
        if (e.key !== "Escape") { return; }
        menus().forEach(function (d) {
            if (!d.open) { return; }
            var hadFocus = d.contains(document.activeElement);
            d.removeAttribute("open");
            if (hadFocus) { d.querySelector("summary").focus(); }
        });
    });
    document.addEventListener("toggle", function (e) {
        if (e.target.matches && e.target.matches("details.nav-group") && e.target.open) { closeAll(e.target); }
    }, true);
    /* The active link's class is set by a clientside callback (cockpit.activeNav): follow it,
       watching the header's links only (the header is drawn once per page load). */
    function attach() {
        var nav = document.querySelector(".cockpit-nav");
        if (!nav) { return false; }
        new MutationObserver(markCurrent).observe(nav, {subtree: true, attributes: true, attributeFilter: ["class"]});
        markCurrent();
        return true;
    }
    if (!attach()) {
        var waiter = new MutationObserver(function () { if (attach()) { waiter.disconnect(); } });
        waiter.observe(document.documentElement, {childList: true, subtree: true});
    }
}());
