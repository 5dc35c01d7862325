/* The review: the table sorts by a column on click (numbers by value, empty last); the weekly
   trend of the contact achievement rate (ECharts; one line per manager on a branch's review,
   the total in bold). Data: #review-chart-data (banyan.kpis.views._chart). */
(function () {
  "use strict";
  var table = document.getElementById("review-table");
  if (table) {
    var heads = table.querySelectorAll("thead th.sortable");
    heads.forEach(function (th, index) {
      th.addEventListener("click", function () {
        var numeric = th.getAttribute("data-sort") === "num";
        var desc = !th.classList.contains("sorted-desc");
        heads.forEach(function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
        th.classList.add(desc ? "sorted-desc" : "sorted-asc");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[index].getAttribute("data-value") || "";
          var y = b.cells[index].getAttribute("data-value") || "";
          if (x === "" || y === "") { return (x === "") - (y === ""); }
          var r = numeric ? Number(x) - Number(y) : x.localeCompare(y, "zh-Hans-CN");
          return desc ? -r : r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }
  var el = document.getElementById("review-trend-chart");
  var src = document.getElementById("review-chart-data");
  if (!el || !src || typeof echarts === "undefined") { return; }
  var data = JSON.parse(src.textContent);
  var pct = function (v) { return v === null || v === undefined ? "—" : (100 * v).toFixed(1) + "%"; };
  var series = data.lines.map(function (l) {
    return { type: "line", name: l.name, data: l.data, connectNulls: true, symbolSize: 5, lineStyle: { width: 1.5 } };
  });
  series.push({ type: "line", name: data.labels.total, data: data.total, connectNulls: true,
                lineStyle: { width: 3, color: "#2f6f4f" }, itemStyle: { color: "#2f6f4f" }, z: 5 });
  series.push({ type: "bar", name: data.labels.contacts, data: data.contacts, yAxisIndex: 1, barMaxWidth: 18,
                itemStyle: { color: "rgba(47,111,79,0.18)" } });
  var chart = echarts.init(el);
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 8, top: 36, bottom: 24, containLabel: true },
    legend: { type: "scroll", top: 0 },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v !== null && v <= 1 && v >= 0 && !Number.isInteger(v) ? pct(v) : v; } },
    xAxis: { type: "category", data: data.weeks },
    yAxis: [{ type: "value", min: 0, max: 1, axisLabel: { formatter: function (v) { return Math.round(v * 100) + "%"; } } },
            { type: "value", name: data.labels.contacts, splitLine: { show: false } }],
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
  window.addEventListener("beforeprint", function () { chart.resize(); });
}());
