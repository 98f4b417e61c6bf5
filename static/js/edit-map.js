// The edit form's map: drag the marker (or click the map) and the coordinates follow; type coordinates
// and the marker follows. Without JavaScript the form keeps its coordinate fields, which are enough.
(function () {
  "use strict";
  var element = document.getElementById("edit-map");
  var latInput = document.getElementById("latitude");
  var lonInput = document.getElementById("longitude");
  if (!element || !latInput || !lonInput || typeof L === "undefined") return;
  element.hidden = false;
  var lat = parseFloat(latInput.value.replace(",", "."));
  var lon = parseFloat(lonInput.value.replace(",", "."));
  var known = !isNaN(lat) && !isNaN(lon);
  var map = L.map(element, { scrollWheelZoom: false }).setView(known ? [lat, lon] : [54.5, 15], known ? 15 : 4);
  L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution }).addTo(map);
  var marker = null;
  function place(latlng) {
    if (marker) marker.setLatLng(latlng);
    else {
      marker = L.marker(latlng, { draggable: true, autoPan: true, alt: element.getAttribute("aria-label") }).addTo(map);
      marker.on("dragend", function () { write(marker.getLatLng()); });
    }
  }
  function write(latlng) {
    latInput.value = latlng.lat.toFixed(6);
    lonInput.value = latlng.lng.toFixed(6);
  }
  if (known) place([lat, lon]);
  map.on("click", function (event) { place(event.latlng); write(event.latlng); });
  function read() {
    var la = parseFloat(latInput.value.replace(",", "."));
    var lo = parseFloat(lonInput.value.replace(",", "."));
    if (!isNaN(la) && !isNaN(lo) && Math.abs(la) <= 90 && Math.abs(lo) <= 180) { place([la, lo]); map.panTo([la, lo]); }
  }
  latInput.addEventListener("change", read);
  lonInput.addEventListener("change", read);
})();
