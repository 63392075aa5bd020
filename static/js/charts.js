/*
 * Draws the portal's charts with plotly.js.
 *
 * Each chart is an element [data-chart="<id>"] (see templates/includes/chart.html)
 * whose value is the id of a <script type="application/json"> made by Django's
 * json_script, holding a figure {"data": [...], "layout": {...}} built by
 * reports/charts.py. Nothing here is inline, so the pages need no 'unsafe-inline'
 * script source under a CSP.
 *
 * plotly.js is heavy (hundreds of KB, seconds of work on a slow phone), so it is
 * fetched only when a chart comes near the window: this script's
 * data-plotly attribute names the bundle (templates/includes/chart_scripts.html);
 * data-plotly-eager="true" (the print views) fetches it at once. A page that
 * already loaded plotly.js (window.Plotly) has its charts drawn as they come
 * into view.
 *
 * Printing: every chart is drawn (the "Print" buttons wait for plotly.js, see
 * print.js) and laid out at the width of an A4 page before printing, so a chart
 * drawn in a 1366- or a 390-pixel window alike is never clipped; back to the
 * window's width afterwards. window.portalCharts.drawAll() returns a promise.
 *
 * Without plotly.js (blocked, failed to load, no JavaScript) nothing is drawn and
 * the numbers the page prints beside each chart remain the whole story. A drawn
 * chart is marked data-chart-ready="true".
 */
(function () {
  "use strict";

  var CONFIG = { responsive: true, displaylogo: false, displayModeBar: false };
  // A4 less the page margins (static/css/portal.css @page) and a card's padding,
  // in CSS pixels.
  var PRINT_WIDTH = 640;
  var script = document.currentScript;
  var bundle = script && script.getAttribute("data-plotly");
  var eager = script && script.getAttribute("data-plotly-eager") === "true";
  var drawn = [];
  var waiting = [];
  var loading = false;

  function figureFor(element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source) {
      return null;
    }
    try {
      var figure = JSON.parse(source.textContent);
      return figure && Array.isArray(figure.data) ? figure : null;
    } catch (error) {
      return null;
    }
  }

  function draw(element) {
    var figure = figureFor(element);
    if (!figure || element.hasAttribute("data-chart-drawing")) {
      return;
    }
    element.setAttribute("data-chart-drawing", "true");
    try {
      Promise.resolve(
        window.Plotly.newPlot(element, figure.data, figure.layout || {}, CONFIG)
      ).then(
        function () {
          drawn.push(element);
          element.setAttribute("data-chart-ready", "true");
        },
        function () {}
      );
    } catch (error) {
      // One broken figure must not keep the others from being drawn.
    }
  }

  function drawWaiting() {
    var elements = waiting;
    waiting = [];
    for (var i = 0; i < elements.length; i++) {
      draw(elements[i]);
    }
  }

  var loaded = [];

  function loadPlotly() {
    if (window.Plotly) {
      drawWaiting();
      return;
    }
    if (loading || !bundle) {
      return;
    }
    loading = true;
    var tag = document.createElement("script");
    tag.src = bundle;
    tag.onload = function () {
      drawWaiting();
      for (var i = 0; i < loaded.length; i++) {
        loaded[i]();
      }
    };
    document.head.appendChild(tag);
  }

  // Every chart of the page, drawn now whether in view or not (before printing).
  function drawAll() {
    var elements = document.querySelectorAll("[data-chart]:not([data-chart-drawing])");
    for (var i = 0; i < elements.length; i++) {
      waiting.push(elements[i]);
    }
    return new Promise(function (resolve) {
      if (window.Plotly) {
        drawWaiting();
        resolve();
        return;
      }
      loaded.push(resolve);
      loadPlotly();
      if (!bundle) {
        resolve();
      }
    });
  }
  window.portalCharts = { drawAll: drawAll };

  function wanted(element) {
    waiting.push(element);
    loadPlotly();
  }

  function start() {
    var elements = document.querySelectorAll("[data-chart]");
    if (!elements.length) {
      return;
    }
    if (eager || !("IntersectionObserver" in window)) {
      for (var i = 0; i < elements.length; i++) {
        wanted(elements[i]);
      }
      return;
    }
    var observer = new IntersectionObserver(
      function (entries) {
        for (var j = 0; j < entries.length; j++) {
          if (entries[j].isIntersecting) {
            observer.unobserve(entries[j].target);
            wanted(entries[j].target);
          }
        }
      },
      { rootMargin: "0px" }
    );
    for (var k = 0; k < elements.length; k++) {
      observer.observe(elements[k]);
    }
  }

  function relayoutAll(update) {
    for (var i = 0; i < drawn.length; i++) {
      try {
        window.Plotly.relayout(drawn[i], update);
      } catch (error) {
        // A chart removed from the page has nothing to lay out.
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.addEventListener("beforeprint", function () {
    if (window.Plotly) {
      drawAll();
    }
    relayoutAll({ width: PRINT_WIDTH, autosize: false });
  });
  window.addEventListener("afterprint", function () {
    relayoutAll({ width: null, autosize: true });
  });
})();
