// fonds: the starter of a record page's zoomable viewer (issue 15).
// OpenSeadragon is some 350 KB of script, and running it held a phone's
// main thread for a quarter of a second: a reader who only reads the page
// should not pay for it. So the page shows a still of the chosen page and
// this small script shows the viewer's buttons; the viewer itself
// (/static/viewer.js) is fetched when the reader reaches for the original:
// the pointer over it, a touch, the keyboard's focus inside it. A click on
// a button, a page link or the still before the viewer is up is kept and
// done once it is (window.fondsScanQueue, read by viewer.js).
(function () {
  "use strict";
  var section = document.getElementById("scan");
  var box = document.getElementById("scan-viewer");
  if (!section || !box) {
    return;
  }
  var queue = (window.fondsScanQueue = window.fondsScanQueue || []);
  var asked = false;
  function load() {
    if (asked) {
      return;
    }
    asked = true;
    var script = document.createElement("script");
    script.src = "/static/viewer.js";
    document.head.appendChild(script);
  }
  var controls = document.getElementById("scan-controls");
  if (controls) {
    controls.hidden = false;
  }
  ["pointerover", "focusin", "touchstart"].forEach(function (type) {
    section.addEventListener(type, load, { once: true, passive: true });
  });
  section.addEventListener("click", function (event) {
    if (box.classList.contains("live") || event.ctrlKey || event.metaKey ||
        event.shiftKey || event.button !== 0) {
      return;
    }
    var button = event.target.closest("button[data-action]");
    var link = event.target.closest(".scan-pages a[data-index]");
    if (button) {
      queue.push({ action: button.getAttribute("data-action") });
    } else if (link) {
      queue.push({ page: parseInt(link.getAttribute("data-index"), 10) });
    } else if (event.target.closest(".scan-still")) {
      queue.push({ action: "zoom-in" });
    } else {
      return;
    }
    event.preventDefault();
    load();
  });
})();
