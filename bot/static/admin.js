/*
 * Charts on the Senpai insights page, drawn by Chart.js (vendored from the npm registry,
 * bot/static/vendor/, MIT licence). Each <canvas class="chart"> carries its labels and
 * series as JSON in data attributes; the same numbers are in the table beside it, so the
 * page reads without JavaScript.
 */
(function () {
  "use strict";
  function draw() {
    if (!window.Chart) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("canvas.chart"), function (canvas) {
      var stacked = canvas.getAttribute("data-stacked") === "1";
      var chart = new window.Chart(canvas, {
        type: canvas.getAttribute("data-chart") || "line",
        data: { labels: JSON.parse(canvas.getAttribute("data-labels") || "[]"),
                datasets: JSON.parse(canvas.getAttribute("data-series") || "[]") },
        options: { animation: false, responsive: true,
                   maintainAspectRatio: canvas.hasAttribute("data-aspect"),
                   aspectRatio: Number(canvas.getAttribute("data-aspect")) || 2,
                   scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true } } }
      });
      canvas.setAttribute("data-drawn", "1");
      if (canvas.getAttribute("data-image") === "1") {
        /* The report's charts become images: they print, and a screen reader reads the alt text and
           the table beside each (the chart's own numbers). */
        var img = document.createElement("img");
        img.className = "chart-image";
        img.alt = canvas.getAttribute("data-alt") || "";
        img.src = chart.toBase64Image("image/png", 1);
        img.setAttribute("data-drawn", "1");
        canvas.parentNode.replaceChild(img, canvas);
        chart.destroy();
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());

/* The fix form: show the text of a passage picked from the full list, so it is read before attaching. */
(function () {
  "use strict";
  function wire() {
    var select = document.getElementById("other-passage");
    var shown = document.getElementById("other-text");
    if (!select || !shown) { return; }
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      shown.textContent = option && option.value ?
        option.getAttribute("data-text") + " (" + option.getAttribute("data-cite") + ")" : "";
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", wire); } else { wire(); }
}());
