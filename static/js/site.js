// Small enhancements every page shares; every page works without them.
(function () {
  "use strict";
  // After htmx swaps in new results, screen readers hear one line (the count), not the whole list.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "results") return;
    var status = document.getElementById("results-status");
    var summary = document.querySelector("#results .result-count, #results .notice, #results [role=alert]");
    if (status && summary) status.textContent = summary.textContent.trim().replace(/\s+/g, " ");
  });
  // The language links return to the page as it is now, including a search htmx pushed into the URL.
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".languages a[hreflang]");
    if (!link) return;
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("next", window.location.pathname + window.location.search);
    link.href = url.pathname + url.search;
  });
})();
