/* The three maps' Leaflet functions, used from Python as {"variable": "cockpitMaps.<name>"}.
   Hand-written (no dash_extensions.javascript.assign). Sizes follow the root font size, so a
   4K wall draws lines and markers twice as thick as 1080p, like the rem-sized page around them.
   dash-leaflet passes `context` (the component's props, including `hideout`) last.

   Colours and shapes are not chosen here: layouts/maps.py declares one style per class of
   feature (STYLES) and passes a layer's styles in its hideout; every feature carries its class
   in properties.cls. The legend is made from the same declaration.

   Clicks on the canvas pick the NEAREST feature to the pointer within a tolerance that grows
   with the zoom (Leaflet's own canvas picks the topmost feature within a fixed tolerance, which
   at city zoom is often a neighbouring pipe). */
window.cockpitMaps = (function () {
    "use strict";

    var DARK = "#041431";

    function rem() {
        return parseFloat(getComputedStyle(document.documentElement).fontSize) / 16 || 1;
    }

    function esc(text) {
        return String(text === null || text === undefined ? "" : text)
            .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    }

    function tip(layer, html) {
        layer.bindTooltip(html, {className: "map-tip", direction: "top", sticky: false});
        return layer;
    }

    function styleOf(feature, context) {
        var styles = (context && context.hideout && context.hideout.styles) || {};
        var cls = feature.properties && feature.properties.cls;
        return styles[cls] || {color: "#ffffff", shape: "dot", size: 4, label: String(cls)};
    }

    /* A marker in a declared style: dots and rings on the canvas, other shapes as small DOM icons. */
    function marker(latlng, style, extra) {
        var r = rem(), options;
        if (style.shape === "dot" || style.shape === "ring") {
            var ring = style.shape === "ring";
            options = {radius: style.size * r, color: ring ? style.color : "#ffffff", weight: (ring ? 2.2 : 1.2) * r,
                       fillColor: ring ? DARK : style.color, fillOpacity: ring ? 0.85 : 0.92};
            for (var k in (extra || {})) { options[k] = extra[k]; }
            return L.circleMarker(latlng, options);
        }
        var size = Math.round(style.size * 2 * r);
        var icon = L.divIcon({className: "map-shape", iconSize: [size, size],
                              html: "<span class='mk mk-" + style.shape + "' style='background:" + style.color + "'></span>"});
        return L.marker(latlng, {icon: icon, keyboard: false});
    }

    function value(v, unit) {
        return v === null || v === undefined ? "无数据" : v + " " + unit;
    }

    var TIPS = {
        "gas-sensors": function (p, s) {
            return "<b>" + esc(p.name) + "</b><br>燃气浓度 " + esc(value(p.value, p.unit)) + " · " + esc(s.label) +
                (p.level ? "<br><span class='tip-alarm'>" + ["", "一级", "二级", "三级"][p.level] + "报警阈值</span>" : "") +
                "<br><span class='tip-muted'>" + esc(p.at || "") + "</span>";
        },
        "gas-alarms": function (p) {
            return "<b>" + esc(p.label) + "报警</b> · " + (p.status === "open" ? "未处置" : "已处置") + "<br>" +
                esc(p.note) + "<br>管段 " + esc(p.pipe) + " · " + esc(p.at);
        },
        "gas-hazards": function (p) {
            return "<b>隐患 · " + esc(p.label) + "</b><br>" + esc(p.note) + "<br>管段 " + esc(p.pipe);
        },
        "gas-stations": function (p) { return "<b>" + esc(p.name) + "</b><br>" + esc(p.label); },
        "gas-valves": function (p) { return "<b>" + esc(p.name) + "</b><br>" + esc(p.label); },
        "construction": function (p) {
            return "<b>第三方施工</b> · " + esc(p.label) + "<br>" + esc(p.name) + "<br>" + esc(p["报备"] || "");
        },
        "flood-points": function (p) {
            return "<b>" + esc(p.name) + "</b><br>" + esc(p.label) + " · 水深 " + esc(value(p.depth, "cm")) +
                "<br><span class='tip-muted'>" + esc(p.at || "") + "</span>";
        },
        "rain-gauges": function (p) {
            return "<b>" + esc(p.name) + "</b><br>1小时雨量 " + esc(value(p.value, "mm")) +
                (p.flag ? "<br><span class='tip-alarm'>超过 50 mm</span>" : "");
        },
        "pump-stations": function (p) {
            return "<b>" + esc(p.name) + "</b><br>" + esc(p["排水能力"] || "") + " · " + esc(p["状态"] || "");
        },
        "illegal-points": function (p) {
            return "<b>" + esc(p.code) + "</b> · " + esc(p.label) + "<br>" + esc(p.area) + " ㎡";
        }
    };

    /* One pointToLayer for every point layer; hideout.layer says which, hideout.styles how. */
    function point(feature, latlng, context) {
        var p = feature.properties, layer = (context && context.hideout && context.hideout.layer) || "";
        var style = styleOf(feature, context);
        var extra = null;
        if (layer === "gas-alarms" && p.status === "open") {
            extra = {weight: 2.5 * rem()};
        }
        var m = marker(latlng, style, extra);
        return TIPS[layer] ? tip(m, TIPS[layer](p, style)) : m;
    }

    /* Cluster bubbles. With styles (the illegal-construction map), the ring shows the mix of the
       clustered features' classes in their declared colours, so stages stay visible at city zoom. */
    function cluster(feature, latlng, index, context) {
        var p = feature.properties, n = p.point_count;
        var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
        var styles = context && context.hideout && context.hideout.styles;
        var ring = "", title = "";
        if (styles && index && index.getLeaves) {
            var counts = {};
            index.getLeaves(p.cluster_id, Infinity).forEach(function (leaf) {
                var cls = leaf.properties.cls;
                counts[cls] = (counts[cls] || 0) + 1;
            });
            var stops = [], lines = [], at = 0;
            Object.keys(styles).forEach(function (cls) {
                var k = counts[cls] || 0;
                if (!k) { return; }
                var from = at;
                at += 360 * k / n;
                stops.push(styles[cls].color + " " + from.toFixed(2) + "deg " + at.toFixed(2) + "deg");
                lines.push("<span class='tip-swatch' style='background:" + styles[cls].color + "'></span>" +
                           esc(styles[cls].label) + " " + k);
            });
            ring = " style='background: conic-gradient(" + stops.join(", ") + ")'";
            title = "<b>" + n + " 处</b><br>" + lines.join("<br>");
        }
        var icon = L.divIcon({html: "<div" + ring + "><span>" + p.point_count_abbreviated + "</span></div>",
                              className: "map-cluster map-cluster-" + size + (ring ? " map-cluster-mix" : ""),
                              iconSize: null});
        var m = L.marker(latlng, {icon: icon});
        if (title) { m.bindTooltip(title, {className: "map-tip", direction: "top"}); }
        return m;
    }

    /* ---- canvas hit-testing: the nearest feature within a zoom-dependent tolerance ---- */

    function tolerance(map) {
        var z = map ? map.getZoom() : 12;
        return (z <= 11 ? 3 : z <= 14 ? 5 : 8) * rem();
    }

    /* How near the pointer is to a layer, for ranking (Infinity: out of reach). Lines rank by the
       distance to their centre line, so of two pipes a pixel apart the one under the pointer wins;
       they are in reach within the tolerance from their drawn edge. */
    function distance(layer, point, tol) {
        if (layer instanceof L.CircleMarker) {
            var d = point.distanceTo(layer._point) - layer._radius;
            return d <= tol ? Math.max(d, 0) : Infinity;
        }
        if (!(layer instanceof L.Polyline) || !layer._pxBounds) { return Infinity; }
        var half = (layer.options.stroke ? layer.options.weight / 2 : 0);
        var b = layer._pxBounds, dx = Math.max(b.min.x - point.x, 0, point.x - b.max.x),
            dy = Math.max(b.min.y - point.y, 0, point.y - b.max.y);
        if (Math.sqrt(dx * dx + dy * dy) - half > tol) { return Infinity; }  /* far from its box */
        var best = Infinity, parts = layer._parts, closed = layer instanceof L.Polygon;
        for (var i = 0; i < parts.length; i++) {
            var part = parts[i];
            for (var j = 0, k = part.length - 1; j < part.length; k = j++) {
                if (!closed && j === 0) { continue; }
                best = Math.min(best, L.LineUtil.pointToSegmentDistance(point, part[k], part[j]));
            }
        }
        if (best - half <= tol) { return best; }
        /* inside a filled area: it counts, but any line or marker near the pointer comes first */
        if (closed && layer.options.fill && layer._containsPoint(point)) { return tol + half; }
        return Infinity;
    }

    function installHitTest() {
        if (!window.L || !L.Canvas || L.Canvas.prototype._cockpitNearest) { return; }
        var proto = L.Canvas.prototype;
        proto._cockpitNearest = true;
        proto._leafletOnClick = proto._onClick;  /* Leaflet's own, kept for comparison in the console */
        proto._leafletMouseHover = proto._handleMouseHover;
        proto._nearestLayer = function (point) {
            var best = null, bestD = Infinity, tol = tolerance(this._map);
            for (var order = this._drawFirst; order; order = order.next) {
                var layer = order.layer;
                if (!layer.options.interactive) { continue; }
                var d = distance(layer, point, tol);
                if (d <= bestD) { best = layer; bestD = d; }  /* a tie goes to the topmost, as in Leaflet */
            }
            return best;
        };
        proto._onClick = function (e) {
            var point = this._map.mouseEventToLayerPoint(e), layer = this._nearestLayer(point);
            if (layer && (e.type === "click" || e.type === "preclick") && this._map._draggableMoved(layer)) {
                layer = null;
            }
            this._fireEvent(layer ? [layer] : false, e);
        };
        proto._handleMouseHover = function (e, point) {
            if (this._mouseHoverThrottled) { return; }
            var candidate = this._nearestLayer(point);
            if (candidate !== this._hoveredLayer) {
                this._handleMouseOut(e);
                if (candidate) {
                    L.DomUtil.addClass(this._container, "leaflet-interactive");
                    this._fireEvent([candidate], e, "mouseover");
                    this._hoveredLayer = candidate;
                }
            }
            this._fireEvent(this._hoveredLayer ? [this._hoveredLayer] : false, e);
            this._mouseHoverThrottled = true;
            setTimeout(L.Util.bind(function () { this._mouseHoverThrottled = false; }, this), 32);
        };
    }

    installHitTest();

    return {
        point: point,
        cluster: cluster,
        tolerance: tolerance,
        regionStyle: function (feature, context) {
            installHitTest();
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
        lineStyle: function (feature, context) {
            var s = styleOf(feature, context);
            return {color: s.color, weight: s.size * rem(), opacity: 0.9, lineCap: "round"};
        },
        areaStyle: function (feature, context) {
            var s = styleOf(feature, context);
            return {color: s.color, weight: 1.2 * rem(), dashArray: s.shape === "area" ? "4 3" : null,
                    fillColor: s.color, fillOpacity: s.shape === "area" ? 0.2 : 0.55};
        },
        pipeEach: function (feature, layer) {
            var p = feature.properties;
            layer.bindTooltip("<b>" + esc(p.code) + "</b> · " + esc(p.label) + "<br>" + esc(p.material) + " DN" +
                              esc(p.dn) + " · " + esc(p.year) + "年", {className: "map-tip", sticky: true});
        },
        zoneEach: function (feature, layer) {
            layer.bindTooltip(esc(feature.properties.name) + " · " + esc(feature.properties.label),
                              {className: "map-tip", sticky: true});
        },
        siteEach: function (feature, layer) {
            var p = feature.properties;
            layer.bindTooltip("<b>" + esc(p.code) + "</b> · " + esc(p.label) + "<br>" + esc(p.type) + " " +
                              esc(p.area) + " ㎡ · " + esc(p.channel), {className: "map-tip", sticky: true});
        }
    };
}());
