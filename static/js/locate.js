// "Use my location": fills a place field with the browser's coordinates and submits the form.
// The button is in the page from the first paint (nothing moves when this runs; without JavaScript
// static/css/noscript.css hides it), and goes where geolocation is unavailable: the page never offers
// what fails.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-locate]");
  buttons.forEach(function (button) {
    var field = document.getElementById(button.dataset.locate);
    if (!field || !("geolocation" in navigator)) { button.hidden = true; return; }
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
