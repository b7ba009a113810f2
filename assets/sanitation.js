/* The 市容环卫 board's map markers, used from Python as {"variable": "cockpitSanitation.<name>"}.
   Sizes follow the root font size like assets/maps.js. A click opens the object's page through
   Dash's router (the same event dcc.Link sends), so the page changes without a reload. */
window.cockpitSanitation = (function () {
    "use strict";

    function rem() {
        return parseFloat(getComputedStyle(document.documentElement).fontSize) / 16 || 1;
    }

    function esc(text) {
        return String(text === null || text === undefined ? "" : text)
            .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    }

    function open(href) {
        window.history.pushState({}, "", href);
        window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
        window.scrollTo(0, 0);
    }

    /* The declared style of a feature's class (layouts/sanitation_map.py), as a canvas dot or ring. */
    function marker(feature, latlng, context, extra) {
        var styles = (context && context.hideout && context.hideout.styles) || {};
        var style = styles[feature.properties.cls] || {color: "#ffffff", shape: "dot", size: 4};
        var r = rem(), ring = style.shape === "ring";
        var options = {radius: style.size * r, color: ring ? style.color : "#041431", weight: (ring ? 2.4 : 1.1) * r,
                       fillColor: style.color, fillOpacity: ring ? 0.25 : 0.95};
        for (var k in (extra || {})) { options[k] = extra[k]; }
        return L.circleMarker(latlng, options);
    }

    function clickable(m, href, tip) {
        m.bindTooltip(tip, {className: "map-tip", direction: "top"});
        m.on("click", function () { open(href); });
        return m;
    }

    return {
        vehicle: function (feature, latlng, context) {
            var p = feature.properties;
            var m = marker(feature, latlng, context, {plate: p.code, status: p.status});
            return clickable(m, "/object/vehicles/" + encodeURIComponent(p.code),
                "<b>" + esc(p.code) + "</b> · " + esc(p.label) + "<br>" + esc(p.status_label) +
                (p.status === "working" ? " · " + esc(p.speed) + " km/h" : "") + "<br>" + esc(p.route) +
                "<br><span class='tip-muted'>" + esc(p.unit) + " · " + esc(p.at) + "</span>");
        },
        station: function (feature, latlng, context) {
            var p = feature.properties;
            var m = marker(feature, latlng, context);
            return clickable(m, "/object/transfer_stations/" + encodeURIComponent(p.code),
                "<b>" + esc(p.name) + "</b><br>" + esc(p.day) + " 转运 " + esc(p.tonnes) + " t / 设计 " +
                esc(p.capacity) + " t");
        },
        toilet: function (feature, latlng, context) {
            var p = feature.properties;
            var m = marker(feature, latlng, context);
            return clickable(m, "/object/toilets/" + encodeURIComponent(p.code),
                "<b>" + esc(p.name) + "</b> · " + esc(p.label) + "<br>" + esc(p.grade) + "公厕 · 03001案件 " + esc(p.cases));
        },
        /* Positions of the vehicle markers now drawn, for tests and the console. */
        positions: function () {
            var out = {};
            var maps = (window.cockpitMaps && window.cockpitMaps.maps) || {};
            Object.keys(maps).forEach(function (id) {
                maps[id].eachLayer(function (l) {
                    if (l.options && l.options.plate) { out[l.options.plate] = [l.getLatLng().lat, l.getLatLng().lng]; }
                });
            });
            return out;
        }
    };
}());
