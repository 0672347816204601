// fonds: the zoomable viewer of a record page's original (issue 15).
// Runs after OpenSeadragon (served in the same file, /static/viewer.js),
// which /static/scan.js fetches when the reader reaches for the original.
// Without script the page shows a still of the chosen page and links to
// every page; with it, the still gives way to OpenSeadragon over the pages'
// IIIF image services, and the page links turn pages in place. What the
// reader clicked while this was on its way (window.fondsScanQueue) is done
// once the first page is open.
(function () {
  "use strict";
  var box = document.getElementById("scan-viewer");
  if (!box || typeof OpenSeadragon !== "function") {
    return;
  }
  var sources = JSON.parse(box.getAttribute("data-sources") || "[]");
  if (!sources.length) {
    return;
  }
  var start = parseInt(box.getAttribute("data-start"), 10) || 0;
  var links = Array.prototype.slice.call(
    document.querySelectorAll(".scan-pages a[data-index]"));
  var caption = document.getElementById("scan-caption");
  var status = document.getElementById("scan-status");
  var controls = document.getElementById("scan-controls");
  var still = box.querySelector(".scan-still");
  var firstCaption = caption ? caption.textContent : "";

  // OpenSeadragon adds a <style> of its own unless one is marked as there;
  // this site's policy allows no inline style, and fonds.css has its rule.
  if (!document.querySelector("style[data-openseadragon-mobile-css]")) {
    var marker = document.createElement("style");
    marker.setAttribute("data-openseadragon-mobile-css", "true");
    document.head.appendChild(marker);
  }
  if (still) {
    still.parentNode.removeChild(still);
  }
  box.classList.add("live");
  box.setAttribute("role", "region");
  box.setAttribute("aria-label", "Zoomable page of the original");

  var viewer = OpenSeadragon({
    element: box,
    tileSources: sources,
    sequenceMode: true,
    initialPage: Math.min(start, sources.length - 1),
    // Our own buttons below; OpenSeadragon's would need images of theirs.
    showNavigationControl: false,
    showSequenceControl: false,
    preserveViewport: false,
    visibilityRatio: 0.5,
    maxZoomPixelRatio: 2,
    gestureSettingsMouse: { clickToZoom: false },
    // The 2D canvas: a page of tiles needs no WebGL, which without a GPU
    // runs in software and held the main thread for seconds.
    drawer: "canvas",
  });

  function labelOf(i) {
    var link = links[i];
    var span = link && link.querySelector("span");
    return span ? span.textContent : null;
  }

  function showPage(i) {
    links.forEach(function (link, j) {
      if (j === i) {
        link.setAttribute("aria-current", "page");
      } else {
        link.removeAttribute("aria-current");
      }
    });
    var label = labelOf(i);
    if (caption) {
      caption.textContent = label
        ? label + " · page " + (i + 1) + " of " + sources.length
        : firstCaption;
    }
    box.setAttribute("data-page", String(i + 1));
  }

  // The zoom as the share of the image's own pixels shown on screen: where
  // an animation is going (on "zoom"), where it is (on "animation").
  function showZoom(current) {
    var item = viewer.world.getItemAt(0);
    if (!item || !status) {
      return;
    }
    var zoom = item.viewportToImageZoom(viewer.viewport.getZoom(current));
    status.textContent = Math.round(zoom * 100) + " %";
  }

  viewer.addHandler("page", function (event) {
    showPage(event.page);
    if (window.history && window.history.replaceState) {
      var url = new URL(window.location.href);
      url.searchParams.set("page", links[event.page]
        ? new URL(links[event.page].href).searchParams.get("page")
        : String(event.page + 1));
      url.hash = "scan";
      window.history.replaceState(null, "", url.toString());
    }
  });
  viewer.addHandler("zoom", function () { showZoom(false); });
  viewer.addHandler("animation-finish", function () { showZoom(true); });
  viewer.addHandler("open", function () { showZoom(true); });

  links.forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
        return;
      }
      event.preventDefault();
      viewer.goToPage(parseInt(link.getAttribute("data-index"), 10));
    });
  });

  function act(action) {
    var viewport = viewer.viewport;
    switch (action) {
      case "zoom-in":
        viewport.zoomBy(1.5);
        break;
      case "zoom-out":
        viewport.zoomBy(1 / 1.5);
        break;
      case "home":
        viewport.goHome();
        break;
      case "full":
        viewer.setFullScreen(!viewer.isFullPage());
        return;
      default:
        return;
    }
    viewport.applyConstraints();
  }

  if (controls) {
    controls.hidden = false;
    controls.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (button) {
        act(button.getAttribute("data-action"));
      }
    });
  }

  var queued = window.fondsScanQueue || [];
  window.fondsScanQueue = [];
  if (queued.length) {
    viewer.addOnceHandler("open", function () {
      queued.forEach(function (item) {
        if (typeof item.page === "number" && item.page >= 0 && item.page < sources.length) {
          viewer.goToPage(item.page);
        } else if (item.action) {
          act(item.action);
        }
      });
    });
  }
  showPage(Math.min(start, sources.length - 1));
})();
