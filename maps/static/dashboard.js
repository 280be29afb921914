// Draws the dashboard's charts from the JSON the server rendered into the page.
// Persian pages mirror each chart: the category or value axis runs right to left, the
// other axis sits on the right, legend and tooltips read right to left.
(function () {
  "use strict";
  var colours = ["#08519c", "#e6550d", "#fdae6b", "#a1d99b", "#756bb1", "#636363", "#31a354"];
  var node = document.getElementById("dashboard-data");
  if (!node || typeof Chart === "undefined") { return; }
  var page = JSON.parse(node.textContent);
  var rtl = page.rtl;
  var fmt = new Intl.NumberFormat(page.locale, { maximumFractionDigits: 2 });
  var text = rtl ? "rtl" : "ltr";
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;

  function number(v, percent) { return fmt.format(v) + (percent ? "%" : ""); }

  function options(spec) {
    var valueAxis = spec.horizontal ? "x" : "y";
    var categoryAxis = spec.horizontal ? "y" : "x";
    var scales = {};
    scales[valueAxis] = {
      stacked: spec.stacked, beginAtZero: true,
      ticks: { precision: spec.percent ? undefined : 0,
               callback: function (v) { return number(v, spec.percent); } }
    };
    if (spec.percent) { scales[valueAxis].max = 100; }
    scales[categoryAxis] = { stacked: spec.stacked };
    // Mirror: the horizontal axis runs right to left; the vertical one stands on the right.
    scales.x.reverse = rtl;
    scales.y.position = rtl ? "right" : "left";
    return {
      indexAxis: spec.horizontal ? "y" : "x",
      animation: false,
      maintainAspectRatio: false,
      locale: page.locale,
      plugins: {
        legend: { display: spec.series.length > 1, rtl: rtl, textDirection: text },
        tooltip: { rtl: rtl, textDirection: text, callbacks: { label: function (c) {
          var v = spec.horizontal ? c.parsed.x : c.parsed.y;
          return c.dataset.label + ": " + number(v, spec.percent); } } }
      },
      scales: scales
    };
  }

  var drawn = 0;
  page.charts.forEach(function (spec) {
    var canvas = document.getElementById(spec.id);
    if (!canvas) { return; }
    new Chart(canvas, {
      type: spec.kind,
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          // A series may bring its own colour, or one per bar (a list).
          var colour = s.colours || colours[i % colours.length];
          return { label: s.label, data: s.data, backgroundColor: colour,
                   borderColor: Array.isArray(colour) ? colour[0] : colour,
                   fill: false, tension: 0 };
        })
      },
      options: options(spec)
    });
    drawn += 1;
  });
  document.body.setAttribute("data-charts-drawn", String(drawn));
})();
