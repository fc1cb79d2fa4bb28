/* The map page: draws Syria's outline, the agreement zones and the events of the filters in
   the URL, from this server only (no tiles, no CDN), and polls for new events every
   data-refresh-ms. Outside text goes in through textContent only, never innerHTML. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  var state = document.getElementById("map-state");
  var COLOURS = { low: "#2b83ba", medium: "#fdae61", high: "#d7191c", critical: "#7b0000" };
  var map = L.map("map", { attributionControl: false }).setView([35.0, 38.5], 6);
  var eventsLayer = L.layerGroup().addTo(map);

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
    ["since", "until", "agreement"].forEach(function (k) {
      if (page.get(k)) { q.set(k, page.get(k)); }
    });
    if (page.get("violations_only")) { q.set("violations_only", "true"); }
    q.set("format", "geojson");
    q.set("limit", root.dataset.limit);
    return "/api/v1/events?" + q.toString();
  }

  function title(p) {
    var where = p.location ? " in " + p.location.name : "";
    return (p.date || "date unknown") + ": " + p.sub_event_type + where;
  }

  function marker(f) {
    var p = f.properties;
    var c = f.geometry.coordinates;
    var colour = COLOURS[p.severity] || "#555";
    var m = L.circleMarker([c[1], c[0]], {
      radius: p.violation ? 8 : 6,
      color: p.violation ? "#000" : colour,
      weight: p.violation ? 1.5 : 2,
      fillColor: colour,
      fillOpacity: p.violation ? 0.9 : 0.1,
      className: p.violation ? "event-marker violation" : "event-marker incident"
    });
    var link = document.createElement("a");
    link.href = "/events/" + p.id;
    link.textContent = title(p) + " (" + p.severity + (p.violation ? ", violation" : "") + ")";
    m.bindPopup(link);
    return m;
  }

  function listItem(p) {
    var li = document.createElement("li");
    li.className = p.violation ? "violation" : "incident";
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

  function draw(collection) {
    eventsLayer.clearLayers();
    var list = document.getElementById("events");
    var items = [];
    var drawn = 0;
    collection.features.forEach(function (f) {
      items.push(listItem(f.properties));
      if (f.geometry) { marker(f).addTo(eventsLayer); drawn += 1; }
    });
    if (!items.length) {
      var none = document.createElement("li");
      none.textContent = "No events match these filters.";
      items.push(none);
    }
    list.replaceChildren.apply(list, items);
    document.getElementById("event-count").textContent = String(collection.features.length);
    document.getElementById("marker-count").textContent = String(drawn);
    document.getElementById("refreshed").textContent =
      "(updated " + new Date().toISOString().slice(11, 19) + " UTC)";
  }

  function refresh() {
    return getJSON(eventsUrl()).then(draw).then(function () {
      state.dataset.state = "ready";
    }).catch(function (err) {
      state.dataset.state = "error";
      state.textContent = "could not load events: " + err.message;
    });
  }

  // Points of the reference layers (cities, a zone's centre) as small dots, not icons.
  function dot(colour) {
    return function (f, latlng) {
      return L.circleMarker(latlng, { radius: 2.5, color: colour, weight: 1, fillOpacity: 1, className: "reference" });
    };
  }

  function label(f, layer) {
    var text = document.createElement("span");
    text.textContent = f.properties.name || f.properties.id || "";
    layer.bindTooltip(text);
  }

  Promise.all([
    getJSON("/map/syria.geojson"), getJSON("/map/governorates.geojson"), getJSON("/api/v1/zones")
  ]).then(function (geo) {
    // the governorates first: their union is the country, the coarse outline's cities on top
    var outline = L.geoJSON(geo[1], {
      style: { color: "#777", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1, className: "governorate" },
      onEachFeature: label
    }).addTo(map);
    L.geoJSON(geo[0], {
      filter: function (f) { return f.geometry && f.geometry.type === "Point"; },
      pointToLayer: dot("#333"),
      onEachFeature: label
    }).addTo(map);
    L.geoJSON(geo[2], {
      style: { color: "#6a3d9a", weight: 1.5, dashArray: "4 3", fillOpacity: 0.08, className: "zone" },
      pointToLayer: dot("#6a3d9a"),
      onEachFeature: label
    }).addTo(map);
    map.fitBounds(outline.getBounds());
  }).catch(function (err) {
    state.textContent = "could not load the map outline: " + err.message;
  }).then(refresh);

  window.setInterval(refresh, Number(root.dataset.refreshMs) || 60000);
})();
