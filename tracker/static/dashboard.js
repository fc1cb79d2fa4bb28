/* The map page: draws Syria's governorates, the agreement zones and the events of the filters in
   the URL, from this server only (no tiles, no CDN), and polls for new events every
   data-refresh-ms. Outside text goes in through textContent only, never innerHTML. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  var state = document.getElementById("map-state");
  var COLOURS = { low: "#2b83ba", medium: "#fdae61", high: "#d7191c", critical: "#7b0000" };
  var RANK = { low: 0, medium: 1, high: 2, critical: 3 };
  // The filters the page passes on to the API (as in its own URL: a view can be shared).
  var FILTERS = ["since", "until", "agreement", "zone", "side", "event_type"];
  var clusterAbove = Number(root.dataset.clusterAbove) || 100;
  var SYRIA = [[32.31, 35.61], [37.32, 42.39]];  // the governorates' bounds (south-west, north-east)
  // no tiles: the zoom range is the country's, down to a town (the clusters need a maxZoom)
  var map = L.map("map", { attributionControl: false, minZoom: 5, maxZoom: 14 })
    .fitBounds(SYRIA);
  map.createPane("areas").style.zIndex = "350";  // governorates and zones, below the markers
  var plainLayer = L.layerGroup().addTo(map);
  // Dense maps group nearby markers; a group's disc takes the worst severity inside it
  // and a thick black ring when it holds a violation.
  var clusterLayer = L.markerClusterGroup({
    chunkedLoading: true,
    chunkProgress: function (done, total) { if (done === total && total > 0) { markDrawn(); } },
    maxClusterRadius: 40,
    showCoverageOnHover: false,
    iconCreateFunction: function (cluster) {
      var worst = "low";
      var violations = 0;
      cluster.getAllChildMarkers().forEach(function (m) {
        if (RANK[m.options.severity] > RANK[worst]) { worst = m.options.severity; }
        if (m.options.violation) { violations += 1; }
      });
      var n = cluster.getChildCount();
      var size = n < 10 ? 28 : n < 100 ? 34 : 40;
      var label = document.createElement("span");
      label.textContent = String(n);
      return L.divIcon({
        html: label,
        className: "event-cluster sev-" + worst + (violations ? " has-violation" : ""),
        iconSize: L.point(size, size)
      });
    }
  });
  map.addLayer(clusterLayer);

  // When the markers of the first load are on screen (after the next frame), in ms since
  // the navigation started: what bench/dashboard_bench.py reads.
  function markDrawn() {
    if (root.dataset.drawnMs) { return; }
    window.requestAnimationFrame(function () {
      window.setTimeout(function () { root.dataset.drawnMs = String(Math.round(performance.now())); }, 0);
    });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error(url + " answered " + r.status); }
        return r.json();
      });
  }

  function eventsUrl() {
    var page = new URLSearchParams(window.location.search);
    var q = new URLSearchParams();
    FILTERS.forEach(function (k) {
      if (page.get(k)) { q.set(k, page.get(k)); }
    });
    if (page.get("violations_only")) { q.set("violations_only", "true"); }
    q.set("format", "geojson");
    q.set("limit", root.dataset.limit);
    return "/api/v1/events?" + q.toString();
  }

  // Right-to-left letters (Hebrew, Arabic and their presentation forms).
  var RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/;

  // An Arabic place name in an English title is isolated (FSI ... PDI), so that it cannot
  // reorder the date and words around it in the list and in the map's popups.
  function isolated(text) {
    return RTL.test(text) ? "\u2068" + text + "\u2069" : text;
  }

  function title(p) {
    var where = p.location ? " in " + isolated(p.location.name) : "";
    return (p.date || "date unknown") + ": " + p.sub_event_type + where;
  }

  // A marker from a plain record: {id, lat, lon, severity, violation, text}.
  function marker(d) {
    var colour = COLOURS[d.severity] || "#555";
    var m = L.circleMarker([d.lat, d.lon], {
      radius: d.violation ? 8 : 6,
      color: d.violation ? "#000" : colour,
      weight: d.violation ? 1.5 : 2,
      fillColor: colour,
      fillOpacity: d.violation ? 0.9 : 0.1,
      className: d.violation ? "event-marker violation" : "event-marker incident",
      severity: d.severity,
      violation: d.violation
    });
    var link = document.createElement("a");
    link.href = "/events/" + d.id;
    link.textContent = d.text + " (" + d.severity + (d.violation ? ", violation" : "") + ")";
    m.bindPopup(link);
    return m;
  }

  function record(f) {
    var p = f.properties;
    var c = f.geometry.coordinates;
    return { id: p.id, lat: c[1], lon: c[0], severity: p.severity, violation: p.violation,
             text: title(p) };
  }

  // The records of the list the server rendered (the first draw needs no request).
  function listed() {
    var out = [];
    document.querySelectorAll("#events li[data-id]").forEach(function (li) {
      var d = li.dataset;
      if (d.lat && d.lon) {
        out.push({ id: d.id, lat: Number(d.lat), lon: Number(d.lon), severity: d.severity,
                   violation: d.violation === "true", text: li.querySelector("a").textContent });
      }
    });
    return out;
  }

  function listItem(p) {
    var li = document.createElement("li");
    li.className = p.violation ? "violation" : "incident";
    li.dataset.id = String(p.id);
    var a = document.createElement("a");
    a.href = "/events/" + p.id;
    a.textContent = title(p);
    var sev = document.createElement("span");
    sev.className = "sev " + p.severity;
    sev.textContent = p.severity;
    li.append(a, " ", sev);
    if (p.violation) {
      var v = document.createElement("strong");
      v.textContent = "violation";
      li.append(" ", v);
    }
    if (p.fatalities) { li.append(" \u00b7 " + p.fatalities + " killed"); }
    return li;
  }

  var shown = null;  // what the map shows: ids and last updates, to skip redrawing it

  function drawMarkers(records) {
    plainLayer.clearLayers();
    clusterLayer.clearLayers();
    var markers = records.map(marker);
    var drawn = markers.length;
    var clustered = drawn > clusterAbove;
    if (clustered) {
      clusterLayer.addLayers(markers);  // chunkProgress marks them drawn
    } else {
      markers.forEach(function (m) { m.addTo(plainLayer); });
      markDrawn();
    }
    document.getElementById("marker-count").textContent = String(drawn);
    var flag = document.getElementById("clustered");
    flag.dataset.clustered = String(clustered);
    flag.textContent = clustered ? " (nearby ones grouped)" : "";
  }

  function draw(collection) {
    var list = document.getElementById("events");
    var items = [];
    var records = [];
    var seen = [];
    collection.features.forEach(function (f) {
      items.push(listItem(f.properties));
      seen.push(f.properties.id + "@" + f.properties.updated_at);
      if (f.geometry) { records.push(record(f)); }
    });
    var signature = seen.join(",");
    if (signature !== shown) { drawMarkers(records); }
    shown = signature;
    if (!items.length) {
      var none = document.createElement("li");
      none.textContent = "No events match these filters.";
      items.push(none);
    }
    list.replaceChildren.apply(list, items);
    document.getElementById("event-count").textContent = String(collection.features.length);
    document.getElementById("refreshed").textContent =
      "(updated " + new Date().toISOString().slice(11, 19) + " UTC)";
  }

  // The per-day chart, rendered by the server for the same filters, swapped in whole.
  function refreshChart() {
    var q = new URLSearchParams(window.location.search);
    return fetch("/map/days.svg?" + q.toString(), { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { throw new Error("chart answered " + r.status); }
        return r.text();
      })
      .then(function (text) {
        var svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
        if (svg.nodeName !== "svg") { throw new Error("chart is not SVG"); }
        var old = document.getElementById("day-chart");
        old.replaceWith(document.importNode(svg, true));
      });
  }

  var loads = 0;
  function refresh() {
    loads += 1;
    var chart = loads > 1 ? refreshChart() : Promise.resolve();  // the first came with the page
    return Promise.all([getJSON(eventsUrl()).then(draw), chart]).then(function () {
      state.dataset.state = "ready";
    }).catch(function (err) {
      state.dataset.state = "error";
      state.textContent = "could not load events: " + err.message;
    });
  }

  // Points of the reference layers (cities, a zone's centre) as small dots, not icons.
  function dot(colour) {
    return function (f, latlng) {
      return L.circleMarker(latlng, { radius: 2.5, color: colour, weight: 1, fillOpacity: 1,
                                      className: "reference", pane: "areas" });
    };
  }

  function label(f, layer) {
    var text = document.createElement("span");
    text.textContent = f.properties.name || f.properties.id || "";
    layer.bindTooltip(text);
  }

  // The markers first, from the list the server rendered; then, in parallel, the reference
  // layers (in a pane below the markers, whenever they arrive) and the events from the API.
  var listedRecords = listed();
  shown = Array.prototype.map.call(document.querySelectorAll("#events li[data-id]"), function (li) {
    return li.dataset.id + "@" + li.dataset.updated;
  }).join(",");
  drawMarkers(listedRecords);

  Promise.all([
    getJSON("/map/syria.geojson"), getJSON("/map/governorates.geojson"), getJSON("/api/v1/zones")
  ]).then(function (geo) {
    // the governorates first: their union is the country, the coarse outline's cities on top
    L.geoJSON(geo[1], {
      pane: "areas",
      style: { color: "#777", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1, className: "governorate" },
      onEachFeature: label
    }).addTo(map);
    L.geoJSON(geo[0], {
      pane: "areas",
      filter: function (f) { return f.geometry && f.geometry.type === "Point"; },
      pointToLayer: dot("#333"),
      onEachFeature: label
    }).addTo(map);
    L.geoJSON(geo[2], {
      pane: "areas",
      style: { color: "#6a3d9a", weight: 1.5, dashArray: "4 3", fillOpacity: 0.08, className: "zone" },
      pointToLayer: dot("#6a3d9a"),
      onEachFeature: label
    }).addTo(map);
  }).catch(function (err) {
    state.textContent = "could not load the map outline: " + err.message;
  });
  refresh();

  window.setInterval(refresh, Number(root.dataset.refreshMs) || 60000);
})();
