// The operator's live page (/ops/live): polls the JSON from data-source every couple of
// seconds, fills in the numbers and draws the last five minutes as SVG lines. Plain DOM and
// textContent only (no innerHTML: school codes come from the server), no inline script (CSP).
"use strict";
(function () {
    var root = document.getElementById("ops-live");
    if (!root) { return; }
    var SVG = "http://www.w3.org/2000/svg";
    var WINDOW_MS = 5 * 60 * 1000;
    var source = root.getAttribute("data-source");
    var refreshMs = Number(root.getAttribute("data-refresh-ms")) || 2000;
    var locale = document.documentElement.lang || "nl";
    var points = [];
    var since = 0;
    var status = document.querySelector("[data-live=status]");

    function format(value) {
        if (value === null || value === undefined) { return "\u2013"; }
        return Number(value).toLocaleString(locale, { maximumFractionDigits: 2 });
    }

    function setText(name, value) {
        var element = document.querySelector("[data-live=" + name + "]");
        if (element) { element.textContent = format(value); }
    }

    function svg(name, attributes, text) {
        var element = document.createElementNS(SVG, name);
        Object.keys(attributes).forEach(function (key) { element.setAttribute(key, String(attributes[key])); });
        if (text !== undefined) { element.textContent = text; }
        return element;
    }

    function seriesOf(element) {
        return (element.getAttribute("data-series") || "").split(";").filter(Boolean).map(function (part) {
            var bits = part.split(":");
            return { key: bits[0], color: bits[1], label: bits.slice(2).join(":") };
        });
    }

    // Rounds a maximum up to 1, 2 or 5 times a power of ten, so the grid lines read well.
    function niceMax(value) {
        if (!(value > 0)) { return 1; }
        var power = Math.pow(10, Math.floor(Math.log10(value)));
        var steps = [1, 2, 5, 10];
        for (var i = 0; i < steps.length; i++) {
            if (value <= steps[i] * power) { return steps[i] * power; }
        }
        return 10 * power;
    }

    function drawLegend(element) {
        while (element.firstChild) { element.removeChild(element.firstChild); }
        seriesOf(element).forEach(function (series) {
            var swatch = svg("svg", { width: 14, height: 10, "aria-hidden": "true" });
            swatch.appendChild(svg("rect", { x: 0, y: 2, width: 14, height: 6, fill: series.color }));
            element.appendChild(swatch);
            element.appendChild(document.createTextNode(" " + series.label + "\u2003"));
        });
    }

    function drawChart(chart, series, end) {
        var width = 640, height = 180, left = 48, right = 8, top = 8, bottom = 22;
        var plotWidth = width - left - right, plotHeight = height - top - bottom;
        var start = end - WINDOW_MS;
        var max = 0;
        points.forEach(function (point) {
            series.forEach(function (s) {
                var value = point[s.key];
                if (typeof value === "number" && value > max) { max = value; }
            });
        });
        max = niceMax(max);
        var x = function (t) { return left + Math.max(0, (t - start) / WINDOW_MS) * plotWidth; };
        var y = function (v) { return top + plotHeight - (v / max) * plotHeight; };

        while (chart.firstChild) { chart.removeChild(chart.firstChild); }
        chart.appendChild(svg("rect", { x: left, y: top, width: plotWidth, height: plotHeight, fill: "#fff", stroke: "#d8dde6" }));
        [0, 0.5, 1].forEach(function (fraction) {
            var value = max * fraction;
            chart.appendChild(svg("line", { x1: left, x2: left + plotWidth, y1: y(value), y2: y(value), stroke: "#e6e9ef" }));
            chart.appendChild(svg("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end", "font-size": 11, fill: "#5b6475" }, format(value)));
        });
        [[start, "\u22125 min"], [start + WINDOW_MS / 2, "\u22122,5 min"], [end, locale === "en" ? "now" : "nu"]].forEach(function (tick, i) {
            var anchor = i === 0 ? "start" : i === 1 ? "middle" : "end";
            chart.appendChild(svg("text", { x: x(tick[0]), y: height - 6, "text-anchor": anchor, "font-size": 11, fill: "#5b6475" }, tick[1]));
        });
        series.forEach(function (s) {
            // One polyline per stretch of known values: a gap stays a gap.
            var run = [];
            var flush = function () {
                if (run.length > 1) {
                    chart.appendChild(svg("polyline", { points: run.join(" "), fill: "none", stroke: s.color, "stroke-width": 1.6, "stroke-linejoin": "round" }));
                } else if (run.length === 1) {
                    var xy = run[0].split(",");
                    chart.appendChild(svg("circle", { cx: xy[0], cy: xy[1], r: 1.6, fill: s.color }));
                }
                run = [];
            };
            points.forEach(function (point) {
                var value = point[s.key];
                if (typeof value === "number" && point.t >= start) {
                    run.push(x(point.t).toFixed(1) + "," + y(value).toFixed(1));
                } else {
                    flush();
                }
            });
            flush();
        });
    }

    function fillSchools(schools) {
        var body = document.querySelector("[data-live=schools]");
        if (!body) { return; }
        while (body.firstChild) { body.removeChild(body.firstChild); }
        if (schools.length === 0) {
            var empty = document.createElement("td");
            empty.colSpan = 4;
            empty.className = "muted";
            empty.textContent = body.getAttribute("data-empty");
            body.appendChild(document.createElement("tr")).appendChild(empty);
            return;
        }
        schools.forEach(function (school) {
            var row = document.createElement("tr");
            [school.school, format(school.admitted), format(school.queued), format(school.shed)].forEach(function (text) {
                row.appendChild(document.createElement("td")).textContent = text;
            });
            body.appendChild(row);
        });
    }

    function show(data) {
        ["requestRate", "p50", "p90", "p99", "limit", "inFlight", "queued", "waitingRoomSize", "admissionRate",
            "shedLastMinute", "errorsLastMinute"].forEach(function (name) { setText(name, data[name]); });
        var admission = document.querySelector("[data-live=admission]");
        if (admission) {
            admission.textContent = admission.getAttribute(
                !data.admissionActive ? "data-off" : data.brownOut ? "data-brownout" : "data-on");
        }
        data.shedByReason.forEach(function (reason) {
            var cell = document.querySelector("[data-reason=\"" + reason.reason + "\"]");
            if (cell) { cell.textContent = format(reason.count); }
        });
        fillSchools(data.schools);

        var last = points.length ? points[points.length - 1].t : 0;
        if (data.points.length && data.points[0].t <= last) { points = []; } // the server restarted
        points = points.concat(data.points).filter(function (p) { return p.t > data.now - WINDOW_MS; });
        since = points.length ? points[points.length - 1].t : 0;
        document.querySelectorAll("svg[data-chart]").forEach(function (chart) {
            var legend = document.querySelector("[data-legend=" + chart.getAttribute("data-chart") + "]");
            drawChart(chart, legend ? seriesOf(legend) : [], data.now);
        });
    }

    function poll() {
        fetch(source + "?since=" + since, {
            headers: { "Accept": "application/json", "X-Requested-With": "XMLHttpRequest" },
            credentials: "same-origin",
            cache: "no-store"
        }).then(function (response) {
            if (response.status === 401 || response.status === 403 || response.redirected) {
                throw new Error(locale === "en" ? "Signed out: sign in again." : "Afgemeld: meld opnieuw aan.");
            }
            if (!response.ok) { throw new Error("HTTP " + response.status); }
            return response.json();
        }).then(function (data) {
            if (data.now < since) { since = 0; points = []; } // a restarted server's clock starts over
            show(data);
            if (status) { status.textContent = ""; }
        }).catch(function (error) {
            if (status) { status.textContent = "\u26a0 " + error.message; }
        }).then(function () {
            // Slower while the tab is hidden; a timeout after each answer never piles requests up.
            window.setTimeout(poll, document.hidden ? refreshMs * 5 : refreshMs);
        });
    }

    document.querySelectorAll("[data-legend]").forEach(drawLegend);
    poll();
})();
