/* The customer file: the AUM trend chart (ECharts). Data comes from json_script (CSP: no inline JS). */
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0;
  // An axis in the reader's unit: 1,200万 in Chinese, 12M in English (as the pages' wan filter)
  function wan(v) {
    if (zh) return (Number(v) / 10000).toLocaleString("zh-CN", { maximumFractionDigits: 2 }) + "万";
    var n = Number(v), a = Math.abs(n);
    if (a >= 1e6) return (n / 1e6).toLocaleString("en", { maximumFractionDigits: 2 }) + "M";
    if (a >= 1e3) return (n / 1e3).toLocaleString("en", { maximumFractionDigits: 1 }) + "k";
    return n.toLocaleString("en");
  }
  function yuan(v) { return "¥" + Number(v).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }

  function drawTrend() {
    var el = document.getElementById("aum-chart");
    var dataEl = document.getElementById("aum-trend-data");
    if (!el || !dataEl || typeof echarts === "undefined") return;
    var data = JSON.parse(dataEl.textContent);
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      grid: { left: 64, right: 16, top: 16, bottom: 32 },
      tooltip: { trigger: "axis", valueFormatter: yuan },
      xAxis: { type: "category", data: data.dates, axisLabel: { formatter: function (d) { return d.slice(0, 7); } } },
      yAxis: { type: "value", axisLabel: { formatter: wan } },
      series: [{ name: data.label, type: "line", data: data.values.map(Number), smooth: true, symbolSize: 6,
                 areaStyle: { opacity: 0.08 }, lineStyle: { width: 2, color: "#0f5c4d" }, itemStyle: { color: "#0f5c4d" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", drawTrend); } else { drawTrend(); }
})();
