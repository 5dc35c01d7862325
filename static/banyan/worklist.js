/* Branch work: done / skipped / moved / not done per manager as a stacked bar chart (ECharts).
   Data comes from the page via json_script (#branch-worklist-data): {names, series: [{name, data, kind}]}. */
(function () {
  "use strict";
  var el = document.getElementById("branch-worklist-chart");
  var src = document.getElementById("branch-worklist-data");
  if (!el || !src || typeof echarts === "undefined") { return; }
  var data = JSON.parse(src.textContent);
  var colours = { done: "#2f8f5b", skipped: "#adb5bd", moved: "#7aa6d6", open: "#d9534f" };
  // A category axis draws from the bottom: reverse so that the chart reads in the table's order.
  var names = data.names.slice().reverse();
  el.style.height = Math.max(220, 40 * names.length + 80) + "px";
  var chart = echarts.init(el);
  chart.setOption({
    animation: false,  // a report, not a show: the bars are right at once (and in screenshots)
    grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: names, axisTick: { show: false } },
    series: data.series.map(function (s) {
      return {
        type: "bar", stack: "tasks", name: s.name, data: s.data.slice().reverse(), barMaxWidth: 26,
        itemStyle: { color: colours[s.kind] || "#6c757d" },
        label: { show: true, formatter: function (p) { return p.value ? p.value : ""; } }
      };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
}());
