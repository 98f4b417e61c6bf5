// Small enhancements every page shares; every page works without them.
(function () {
  "use strict";
  // After htmx swaps in new results, screen readers hear one line (the count), not the whole list.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "results") return;
    var status = document.getElementById("results-status");
    var summary = document.querySelector("#results .search-summary, #results .notice, #results [role=alert]");
    if (status && summary) status.textContent = summary.textContent.trim().replace(/\s+/g, " ");
  });
  // Before htmx swaps in a new list, the old one goes at once: htmx would fire two clean-up events for
  // each of its hundreds of elements (a third of a swap's time; four times as long on a slow phone),
  // and nothing in a list needs cleaning up. Not while the focus is inside: htmx keeps it then.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "results" || !event.detail.shouldSwap) return;
    if (target.contains(document.activeElement)) return;
    target.replaceChildren();
  });
  // The search form folds into "Change search" after a search, so that a phone's first screen shows
  // the results. A wide screen has room for it beside them on /spaces: open it there. (On /map the
  // form sits above the list in the side panel, so it stays folded.)
  var wide = window.matchMedia("(min-width: 1024px)");
  var panel = document.querySelector("details.search-panel");
  function beside(details) { return wide.matches && details.closest(".search-layout") !== null; }
  if (panel && beside(panel)) panel.open = true;
  // A search sent with the form's button (or Enter) folds it again once the results are in, as a
  // reload without JavaScript would; searches while typing or choosing leave it open.
  var submitted = false;
  document.addEventListener("submit", function (event) {
    if (event.target.id === "filters") submitted = true;
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "results" || !submitted) return;
    submitted = false;
    if (!panel || event.detail.xhr.status !== 200 || beside(panel)) return;
    var summary = panel.querySelector(":scope > summary");
    var hadFocus = panel.contains(document.activeElement) && document.activeElement !== summary;
    summary.textContent = panel.dataset.labelChange || summary.textContent;
    panel.open = false;
    if (hadFocus) summary.focus({ preventScroll: true });
    if (panel.getBoundingClientRect().top < 0) panel.scrollIntoView({ block: "start" });
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
