/* Segment matrix: each quadrant's share of customers next to its share of AUM (ECharts), which
   shows the 80/20 shape of the book at a glance. Data from #segment-chart-data (json_script). */
(function () {
  "use strict";
  var el = document.getElementById("segment-chart");
  var src = document.getElementById("segment-chart-data");
  if (!el || !src || typeof echarts === "undefined") { return; }
  var data = JSON.parse(src.textContent);
  var chart = echarts.init(el);
  chart.setOption({
    animation: false,  // a report, not a show: the bars are right at once (and in screenshots)
    grid: { left: 8, right: 40, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v + "%"; } },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: data.labels.slice().reverse(), axisTick: { show: false } },
    series: [
      { type: "bar", name: data.count_name, data: data.count_share.slice().reverse(), itemStyle: { color: "#9cc3b9" },
        label: { show: true, position: "right", formatter: "{c}%" } },
      { type: "bar", name: data.aum_name, data: data.aum_share.slice().reverse(), itemStyle: { color: "#0f5c4d" },
        label: { show: true, position: "right", formatter: "{c}%" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
}());
