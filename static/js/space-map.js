// The small map on a space's page. The page works without it: the address and an OpenStreetMap
// link are always there. Markers show even when tiles cannot load (offline, tests).
(function () {
  "use strict";
  var element = document.getElementById("space-map");
  if (!element || typeof L === "undefined") return;
  var lat = parseFloat(element.dataset.lat);
  var lon = parseFloat(element.dataset.lon);
  var approximate = element.dataset.approximate === "true";
  var map = L.map(element, { scrollWheelZoom: false }).setView([lat, lon], approximate ? 12 : 15);
  L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution }).addTo(map);
  if (approximate) {
    // A circle, not a pin: the coordinates are the town centre, not the door.
    L.circle([lat, lon], { radius: 1500, weight: 2 }).addTo(map);
  } else {
    L.marker([lat, lon], { alt: element.getAttribute("aria-label") }).addTo(map);
  }
})();
