// Draws a unit's capacity and output over time from the JSON the server rendered.
(function () {
  "use strict";
  var node = document.getElementById("capacity-data");
  var canvas = document.getElementById("capacity-chart");
  if (!node || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var fmt = new Intl.NumberFormat(data.locale, { maximumFractionDigits: 0 });
  var colours = ["#08519c", "#e6550d"];
  new Chart(canvas, {
    type: "line",
    data: { labels: data.labels, datasets: data.series.map(function (s, i) {
      return { label: s.label, data: s.data, borderColor: colours[i], backgroundColor: colours[i],
               spanGaps: true };
    }) },
    options: {
      animation: false, maintainAspectRatio: false, locale: data.locale,
      plugins: { legend: { rtl: data.rtl, textDirection: data.rtl ? "rtl" : "ltr" },
                 tooltip: { rtl: data.rtl } },
      scales: { x: { reverse: data.rtl },
                y: { position: data.rtl ? "right" : "left",
                     ticks: { callback: function (v) { return fmt.format(v); } } } }
    }
  });
  document.body.setAttribute("data-charts-drawn", "1");
})();
