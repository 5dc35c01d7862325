/* Branch overview: book AUM per manager as a horizontal bar chart (ECharts).
   Data comes from the page via json_script (#branch-aum-data): {names, aum_wan, label}. */
(function () {
  "use strict";
  var el = document.getElementById("branch-aum-chart");
  var src = document.getElementById("branch-aum-data");
  if (!el || !src || typeof echarts === "undefined") { return; }
  var data = JSON.parse(src.textContent);
  // The table lists the largest book first; a category axis draws from the bottom, so reverse.
  var names = data.names.slice().reverse();
  var values = data.aum_wan.slice().reverse();
  el.style.height = Math.max(240, 36 * names.length + 60) + "px";
  var chart = echarts.init(el);
  var fmt = function (v) {
    return Number(v).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  };
  chart.setOption({
    grid: { left: 8, right: 72, top: 8, bottom: 24, containLabel: true },
    tooltip: {
      trigger: "axis", axisPointer: { type: "shadow" },
      valueFormatter: function (v) { return fmt(v); }
    },
    xAxis: { type: "value", name: data.label, nameLocation: "middle", nameGap: 28, axisLabel: { hideOverlap: true } },
    yAxis: { type: "category", data: names, axisTick: { show: false } },
    series: [{
      type: "bar", name: data.label, data: values, barMaxWidth: 24,
      itemStyle: { color: "#2f6f4f" },
      label: { show: true, position: "right", formatter: function (p) { return fmt(p.value); } }
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
}());
