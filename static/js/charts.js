/*
 * Draws the portal's charts with plotly.js.
 *
 * Each chart is an element [data-chart="<id>"] (see templates/includes/chart.html)
 * whose value is the id of a <script type="application/json"> made by Django's
 * json_script, holding a figure {"data": [...], "layout": {...}} built by
 * reports/charts.py. Nothing here is inline, so the pages need no 'unsafe-inline'
 * script source under a CSP.
 *
 * Without plotly.js (blocked, failed to load, no JavaScript) nothing is drawn and
 * the numbers the page prints beside each chart remain the whole story. A drawn
 * chart is marked data-chart-ready="true".
 */
(function () {
  "use strict";

  var CONFIG = { responsive: true, displaylogo: false, displayModeBar: false };
  var drawn = [];

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
    if (!figure || element.getAttribute("data-chart-ready") === "true") {
      return;
    }
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

  function drawAll() {
    if (!window.Plotly) {
      return;
    }
    var elements = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < elements.length; i++) {
      draw(elements[i]);
    }
  }

  function resizeAll() {
    for (var i = 0; i < drawn.length; i++) {
      try {
        window.Plotly.Plots.resize(drawn[i]);
      } catch (error) {
        // A chart removed from the page has nothing to resize.
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  // Fit the charts to the printed page, and back to the screen afterwards.
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
})();
