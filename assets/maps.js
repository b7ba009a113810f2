/* The three maps' Leaflet functions, used from Python as {"variable": "cockpitMaps.<name>"}.
   Hand-written (no dash_extensions.javascript.assign). Sizes follow the root font size, so a
   4K wall draws lines and markers twice as thick as 1080p, like the rem-sized page around them.
   dash-leaflet passes `context` (the component's props, including `hideout`) last. */
window.cockpitMaps = (function () {
    "use strict";

    function rem() {
        return parseFloat(getComputedStyle(document.documentElement).fontSize) / 16 || 1;
    }

    var PRESSURE = {high: "#ff4d5e", sub_high: "#ff9f2e", medium: "#ffe14d", low: "#3ee08f"};
    var PRESSURE_WEIGHT = {high: 4, sub_high: 3.2, medium: 2.4, low: 1.6};
    var ALARM = {1: "#ff2d55", 2: "#ff8a00", 3: "#ffd000"};
    var DEPTH = {none: "#3ee08f", light: "#4fc3ff", moderate: "#ff9f2e", severe: "#ff2d55"};
    var STAGE = {found: "#ff2d55", filed: "#ff8a00", stopped: "#ffd000", penalized: "#b07bff", demolished: "#3ee08f"};
    var ZONE = {high: "#ff2d55", medium: "#ff9f2e", low: "#ffd000"};
    var FACILITY = {gate: "#ff4d5e", regulator: "#00d4ff", valve: "#a9b8d0"};

    function esc(text) {
        return String(text === null || text === undefined ? "" : text)
            .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    }

    function tip(layer, html) {
        layer.bindTooltip(html, {className: "map-tip", direction: "top", sticky: false});
        return layer;
    }

    function dot(latlng, color, size, extra) {
        var r = rem();
        var options = {radius: size * r, color: "#ffffff", weight: 1.2 * r, fillColor: color, fillOpacity: 0.92};
        for (var k in (extra || {})) { options[k] = extra[k]; }
        return L.circleMarker(latlng, options);
    }

    function value(v, unit) {
        return v === null || v === undefined ? "无数据" : v + " " + unit;
    }

    /* One pointToLayer for every point layer; hideout.layer says which. */
    function point(feature, latlng, context) {
        var p = feature.properties, layer = (context && context.hideout && context.hideout.layer) || "";
        var m;
        if (layer === "gas-sensors") {
            var c = p.level ? ALARM[p.level] : "#19e3c1";
            m = dot(latlng, c, p.level ? 7 : 5);
            return tip(m, "<b>" + esc(p.name) + "</b><br>燃气浓度 " + esc(value(p.value, p.unit)) +
                (p.level ? "<br><span class='tip-alarm'>" + ["", "一级", "二级", "三级"][p.level] + "报警</span>" : "") +
                "<br><span class='tip-muted'>" + esc(p.at || "") + "</span>");
        }
        if (layer === "gas-alarms") {
            var open = p.status === "open";
            m = dot(latlng, ALARM[p.level] || "#ff2d55", open ? 9 - p.level : 4,
                    {weight: (open ? 2.5 : 1) * rem(), color: open ? "#ffffff" : "#333",
                     fillOpacity: open ? 0.95 : 0.45, className: open ? "alarm-open" : ""});
            return tip(m, "<b>" + esc(p.label) + "报警</b> · " + (open ? "未处置" : "已处置") + "<br>" +
                       esc(p.note) + "<br>管段 " + esc(p.pipe) + " · " + esc(p.at));
        }
        if (layer === "gas-hazards") {
            m = dot(latlng, p.status === "open" ? "#ff5a6e" : "#ffb547", 3.5, {color: "#1b1b1b"});
            return tip(m, "<b>隐患 · " + esc(p.label) + "</b><br>" + esc(p.note) + "<br>管段 " + esc(p.pipe));
        }
        if (layer === "gas-stations" || layer === "gas-valves") {
            var size = p.kind === "gate" ? 9 : p.kind === "regulator" ? 5 : 3.5;
            m = dot(latlng, FACILITY[p.kind] || "#ffffff", size, {color: "#041431"});
            return tip(m, "<b>" + esc(p.name) + "</b><br>" + esc(p.label));
        }
        if (layer === "construction") {
            m = dot(latlng, "#ff7a1a", 4, {color: "#ffd9b8", weight: 1.5 * rem()});
            return tip(m, "<b>第三方施工</b><br>" + esc(p.name) + "<br>" + esc(p["报备"] || ""));
        }
        if (layer === "flood-points") {
            m = dot(latlng, DEPTH[p.depth_class] || "#7f9cc6", p.depth_class === "severe" ? 8 : 6);
            return tip(m, "<b>" + esc(p.name) + "</b><br>" + esc(p.label) + " · 水深 " + esc(value(p.depth, "cm")) +
                       "<br><span class='tip-muted'>" + esc(p.at || "") + "</span>");
        }
        if (layer === "rain-gauges") {
            m = dot(latlng, p.flag ? "#ff2d55" : "#4f8dff", p.flag ? 8 : 5.5, {color: p.flag ? "#ffffff" : "#bcd4ff"});
            return tip(m, "<b>" + esc(p.name) + "</b><br>1小时雨量 " + esc(value(p.value, "mm")) +
                       (p.flag ? "<br><span class='tip-alarm'>超过 50 mm</span>" : ""));
        }
        if (layer === "pump-stations") {
            m = dot(latlng, "#19e3c1", 6, {color: "#041431"});
            return tip(m, "<b>" + esc(p.name) + "</b><br>" + esc(p["排水能力"] || "") + " · " + esc(p["状态"] || ""));
        }
        if (layer === "illegal-points") {
            m = dot(latlng, STAGE[p.stage] || "#ffffff", 5);
            return tip(m, "<b>" + esc(p.code) + "</b> · " + esc(p.label) + "<br>" + esc(p.area) + " ㎡");
        }
        return dot(latlng, "#ffffff", 4);
    }

    function cluster(feature, latlng, index, context) {
        var n = feature.properties.point_count;
        var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
        var icon = L.divIcon({html: "<div><span>" + feature.properties.point_count_abbreviated + "</span></div>",
                              className: "map-cluster map-cluster-" + size, iconSize: null});
        return L.marker(latlng, {icon: icon});
    }

    return {
        PRESSURE: PRESSURE, DEPTH: DEPTH, STAGE: STAGE,
        point: point,
        cluster: cluster,
        regionStyle: function (feature, context) {
            /* Thin pipes on a canvas are hard to hit: accept clicks a few pixels off a line. Renderers
               read their options through the prototype, so this reaches maps already drawn. */
            if (L.Canvas && !(L.Canvas.prototype.options.tolerance >= 3)) { L.Canvas.prototype.options.tolerance = 3 * rem(); }
            var tiles = context && context.hideout && context.hideout.tiles;
            var focus = context && context.hideout && context.hideout.region;
            var mine = focus && feature.properties.code === focus;
            return {color: mine ? "#00d4ff" : "#1f6fa8", weight: (mine ? 2.4 : 1.2) * rem(), fillColor: "#0a3a6e",
                    fillOpacity: tiles ? 0.04 : (mine ? 0.5 : 0.32), interactive: false};
        },
        maps: {},  /* Leaflet maps by their region layer's id, for tests and the console */
        regionLabel: function (feature, layer, context) {
            var label = feature.properties.label;
            if (context && context.map && context.id) { window.cockpitMaps.maps[context.id] = context.map; }
            layer.bindTooltip(esc(feature.properties.name), {permanent: true, direction: "center",
                                                             className: "region-label", interactive: false});
            if (label) { layer.on("tooltipopen", function (e) { e.tooltip.setLatLng([label[1], label[0]]); }); }
        },
        pipeStyle: function (feature) {
            var p = feature.properties.pressure;
            return {color: PRESSURE[p] || "#ffffff", weight: (PRESSURE_WEIGHT[p] || 2) * rem(), opacity: 0.9,
                    lineCap: "round"};
        },
        pipeEach: function (feature, layer) {
            var p = feature.properties;
            layer.bindTooltip("<b>" + esc(p.code) + "</b> · " + esc(p.label) + "<br>" + esc(p.material) + " DN" +
                              esc(p.dn) + " · " + esc(p.year) + "年", {className: "map-tip", sticky: true});
        },
        zoneStyle: function (feature) {
            var c = ZONE[feature.properties.kind] || "#ffd000";
            return {color: c, weight: 1.2 * rem(), dashArray: "4 3", fillColor: c, fillOpacity: 0.18};
        },
        zoneEach: function (feature, layer) {
            layer.bindTooltip(esc(feature.properties.name) + " · " + esc(feature.properties.label),
                              {className: "map-tip", sticky: true});
        },
        siteStyle: function (feature) {
            var c = STAGE[feature.properties.stage] || "#ffffff";
            return {color: c, weight: 1.5 * rem(), fillColor: c, fillOpacity: 0.55};
        },
        siteEach: function (feature, layer) {
            var p = feature.properties;
            layer.bindTooltip("<b>" + esc(p.code) + "</b> · " + esc(p.label) + "<br>" + esc(p.type) + " " +
                              esc(p.area) + " ㎡ · " + esc(p.channel), {className: "map-tip", sticky: true});
        }
    };
}());
