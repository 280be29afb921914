// Draws the dashboard's charts from the JSON the server rendered into the page.
(function () {
  "use strict";
  var colours = ["#08519c", "#e6550d", "#fdae6b", "#a1d99b"];
  var node = document.getElementById("occupancy-data");
  if (!node || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var fmt = new Intl.NumberFormat(data.locale, { maximumFractionDigits: 2 });
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  new Chart(document.getElementById("occupancy-chart"), {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (s, i) {
        return { label: s.label, data: s.data, backgroundColor: colours[i % colours.length] };
      })
    },
    options: {
      indexAxis: "y",
      animation: false,
      maintainAspectRatio: false,
      locale: data.locale,
      plugins: {
        legend: { rtl: data.rtl, textDirection: data.rtl ? "rtl" : "ltr" },
        tooltip: { rtl: data.rtl, textDirection: data.rtl ? "rtl" : "ltr",
                   callbacks: { label: function (c) {
                     return c.dataset.label + ": " + fmt.format(c.parsed.x); } } }
      },
      scales: {
        x: { stacked: true, reverse: data.rtl, ticks: { callback: function (v) { return fmt.format(v); } } },
        y: { stacked: true, position: data.rtl ? "right" : "left" }
      }
    }
  });
  document.body.setAttribute("data-charts-drawn", "1");
})();
