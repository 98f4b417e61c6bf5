// The directory map: clustered markers from /api/v1/spaces.geojson for the current view and filters,
// and the list of spaces in view (the /map results fragment, through htmx) kept in step with it.
// Without JavaScript the page is the plain list; tiles failing to load (offline) leave the markers.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element) return;
  // The page reserves the map's box from the start (no layout shift): give it back if Leaflet is missing.
  if (typeof L === "undefined") { element.hidden = true; return; }

  var form = document.getElementById("filters");
  var labels = element.dataset;
  var EUROPE = { center: [54.5, 15.0], zoom: 4 };

  function initialView() {
    var center = (labels.center || "").split(",").map(parseFloat);
    var zoom = parseInt(labels.zoom, 10);
    if (center.length === 2 && center.every(isFinite) && isFinite(zoom)) return { center: center, zoom: zoom };
    if (labels.origin) {
      // All the search reaches is in view, so the list (the spaces in view) is all the search found:
      // the circle around the place, or the corridor from the start to the end of the route.
      var km = parseFloat(labels.originKm) || 50;
      var reach = L.latLng(labels.origin.split(",").map(parseFloat)).toBounds(km * 2000);
      if (labels.originEnd) reach.extend(L.latLng(labels.originEnd.split(",").map(parseFloat)).toBounds(km * 2000));
      return { bounds: reach };
    }
    return EUROPE;
  }

  var view = initialView();
  var map = L.map(element, { zoomSnap: 1 });
  if (view.bounds) map.fitBounds(view.bounds);
  else map.setView(view.center, view.zoom);
  var markers = L.layerGroup().addTo(map);
  var bySlug = {};

  function filterParams() {
    var params = new URLSearchParams();
    if (!form) return params;
    new FormData(form).forEach(function (value, key) {
      if (value !== "" && key !== "bbox" && key !== "page") params.append(key, value);
    });
    return params;
  }

  function bboxParam() {
    var b = map.getBounds();
    function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }
    return [clamp(b.getWest(), -180, 179.99), clamp(b.getSouth(), -90, 89.99),
            clamp(b.getEast(), -179.99, 180), clamp(b.getNorth(), -89.99, 90)].map(function (v) { return v.toFixed(5); }).join(",");
  }

  function popupFor(properties) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/spaces/" + encodeURIComponent(properties.slug);
    link.textContent = properties.name;
    link.title = labels.labelOpen;
    box.appendChild(link);
    if (properties.approximate) {
      var note = document.createElement("p");
      note.className = "popup-note";
      note.textContent = labels.labelApproximate;
      box.appendChild(note);
    }
    return box;
  }

  function draw(collection) {
    markers.clearLayers();
    bySlug = {};
    collection.features.forEach(function (feature) {
      var p = feature.properties;
      var latlng = [feature.geometry.coordinates[1], feature.geometry.coordinates[0]];
      if (p.cluster) {
        var size = p.count < 10 ? 34 : p.count < 100 ? 40 : p.count < 1000 ? 46 : 54;
        var icon = L.divIcon({ className: "cluster", html: "<span>" + p.count + "</span>", iconSize: [size, size] });
        var cluster = L.marker(latlng, { icon: icon, title: labels.labelCluster.replace("%(count)s", p.count), keyboard: true });
        cluster.on("click", function () {
          var b = p.bounds;
          if (b[0] === b[2] && b[1] === b[3]) map.setView(latlng, Math.min(map.getZoom() + 3, 18));
          else map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [30, 30], maxZoom: 18 });
        });
        markers.addLayer(cluster);
      } else {
        var marker = L.circleMarker(latlng, { radius: 8, weight: 2, color: "#01579b", fillColor: "#4fc3f7", fillOpacity: 0.9 });
        marker.bindPopup(popupFor(p));
        bySlug[p.slug] = marker;
        markers.addLayer(marker);
      }
    });
  }

  // A filtered map opened without a view of its own shows all it found: fit the first answer.
  var filtered = ["q", "country", "region", "amenity", "upcoming", "network_pass"].some(function (key) { return filterParams().has(key); });
  var fitToResults = !labels.center && !labels.origin && filtered;

  // Returns whether it fitted the map (its moveend then refreshes again).
  function fitOnce(collection) {
    if (!fitToResults || !collection.features.length) return false;
    fitToResults = false;
    var bounds = L.latLngBounds([]);
    collection.features.forEach(function (feature) {
      var b = feature.properties.bounds;
      var c = feature.geometry.coordinates;
      bounds.extend([c[1], c[0]]);
      if (b) { bounds.extend([b[1], b[0]]); bounds.extend([b[3], b[2]]); }
    });
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 12 });
    return true;  // Leaflet fires moveend even when the view did not change
  }

  // The list follows the view: spaces in the box, with the same filters.
  function refreshList() {
    if (typeof htmx === "undefined") return;
    var listParams = filterParams();
    listParams.set("bbox", bboxParam());
    htmx.ajax("GET", "/map?" + listParams.toString(), { target: "#results", swap: "outerHTML" });
  }

  var pending = null;
  // withList: false when htmx has just fetched the list itself (a filter changed in the form).
  function refresh(withList) {
    var params = filterParams();
    params.set("bbox", bboxParam());
    params.set("zoom", map.getZoom());
    if (pending) pending.abort();
    var mine = pending = new AbortController();
    // aria-busy until the markers of this view are drawn (and a first fit has refreshed in turn).
    element.setAttribute("aria-busy", "true");
    var settled = function () { if (mine === pending) element.removeAttribute("aria-busy"); };
    // A first fit to the results is coming: its own refresh brings the list of the fitted view, so
    // this one would fetch and swap in a list only to replace it at once. The list waits for the fit,
    // and follows this view after all if no fit happens.
    var listAfterFit = withList !== false && fitToResults;
    var notFitted = function () {
      if (mine !== pending) return;  // aborted: a newer view replaced it, and settles in its turn
      settled();
      if (listAfterFit) refreshList();
    };
    fetch("/api/v1/spaces.geojson?" + params.toString(), { signal: mine.signal, headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (collection) {
        if (!collection) { notFitted(); return; }
        draw(collection);
        if (!fitOnce(collection)) notFitted();
      })
      .catch(notFitted);

    if (withList !== false && !listAfterFit) refreshList();
    // The URL keeps the view: a copied link opens this same map.
    var url = new URL(window.location.href);
    var center = map.getCenter();
    url.searchParams.set("center", center.lat.toFixed(5) + "," + center.lng.toFixed(5));
    url.searchParams.set("zoom", map.getZoom());
    url.searchParams.delete("bbox");
    url.searchParams.delete("page");
    window.history.replaceState(window.history.state, "", url);
  }

  // A result in the list opens its marker's popup, or brings the map to it.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-show-on-map]");
    if (!button) return;
    var marker = bySlug[button.dataset.showOnMap];
    if (marker) { marker.openPopup(); return; }
    map.setView([parseFloat(button.dataset.lat), parseFloat(button.dataset.lon)], Math.max(map.getZoom(), 13));
  });

  function addShowButtons() {
    document.querySelectorAll(".space-card[data-slug][data-lat]").forEach(function (card) {
      if (card.querySelector("[data-show-on-map]")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary outline show-on-map";
      button.dataset.showOnMap = card.dataset.slug;
      button.dataset.lat = card.dataset.lat;
      button.dataset.lon = card.dataset.lon;
      button.textContent = labels.labelShow;
      card.appendChild(button);
    });
  }

  document.body.addEventListener("htmx:afterSwap", addShowButtons);
  // Filters changed through htmx: the markers follow the list.
  if (form) {
    form.addEventListener("htmx:configRequest", function (event) { event.detail.parameters.bbox = bboxParam(); });
    form.addEventListener("htmx:afterRequest", function (event) {
      // Only the form's own search; place suggestions (htmx requests of its fields) bubble here too.
      if (event.detail.elt === form) refresh(false);
    });
  }
  map.on("moveend", function () { refresh(true); });
  addShowButtons();
  refresh(true);
  // The tiles in a task of their own, after the requests for the spaces are sent: no single long task
  // keeps a slow phone from answering a tap while the map starts.
  setTimeout(function () {
    L.tileLayer(labels.tiles, { maxZoom: 19, attribution: labels.attribution }).addTo(map);
  }, 0);
})();
