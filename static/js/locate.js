// "Use my location": fills a place field with the browser's coordinates and submits the form.
// The button stays hidden where geolocation is unavailable, so the page never offers what fails.
(function () {
  "use strict";
  if (!("geolocation" in navigator)) return;
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    var field = document.getElementById(button.dataset.locate);
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var label = button.textContent;
      button.setAttribute("aria-busy", "true");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          field.value = position.coords.latitude.toFixed(5) + ", " + position.coords.longitude.toFixed(5);
          button.removeAttribute("aria-busy");
          field.form.requestSubmit();
        },
        function () {
          button.removeAttribute("aria-busy");
          button.textContent = button.dataset.failed || label;
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
      );
    });
  });
})();
