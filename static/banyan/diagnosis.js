/* The wealth diagnosis page (财富诊断): allocation against the target, the maturity ladder and the
   AUM trend, drawn with ECharts from json_script data (CSP: no inline JS). */
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0;
  var GREEN = "#0f5c4d", SOFT = "#9cc9bd", AMBER = "#c98a1b";
  function wan(v) {
    if (zh) return (Number(v) / 10000).toLocaleString("zh-CN", { maximumFractionDigits: 1 }) + "万";
    var n = Number(v), a = Math.abs(n);
    if (a >= 1e6) return (n / 1e6).toLocaleString("en", { maximumFractionDigits: 2 }) + "M";
    if (a >= 1e3) return (n / 1e3).toLocaleString("en", { maximumFractionDigits: 1 }) + "k";
    return n.toLocaleString("en");
  }
  function yuan(v) { return "¥" + Number(v).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }
  function pct(v) { return v === null || v === undefined ? "—" : Number(v).toLocaleString(zh ? "zh-CN" : "en", { maximumFractionDigits: 1 }) + "%"; }
  var charts = [];
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var c = echarts.init(el, null, { renderer: "svg" });
    c.setOption(option);
    charts.push(c);
  }

  function allocation(id, part, words) {
    var series = [{ name: words.actual, type: "bar", data: part.actual.map(Number), itemStyle: { color: GREEN },
                    label: { show: true, position: "right", formatter: function (p) { return pct(p.value); }, fontSize: 11 } }];
    if (part.target.some(function (t) { return t !== null; })) {
      series.push({ name: words.target, type: "bar", data: part.target.map(function (t) { return t === null ? 0 : Number(t); }),
                    itemStyle: { color: SOFT } });
    }
    chart(id, {
      grid: { left: 8, right: 40, top: 28, bottom: 8, containLabel: true },
      legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 11 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: pct },
      xAxis: { type: "value", max: function (v) { return Math.min(100, Math.ceil((v.max + 10) / 10) * 10); },
               splitNumber: 4, axisLabel: { formatter: "{value}%", hideOverlap: true } },
      yAxis: { type: "category", data: part.labels, inverse: true, axisTick: { show: false },
               axisLabel: { width: 84, overflow: "break", lineHeight: 13 } },
      series: series
    });
  }

  function draw() {
    var dataEl = document.getElementById("diagnosis-data");
    if (!dataEl || typeof echarts === "undefined") return;
    var data = JSON.parse(dataEl.textContent), w = data.words;
    allocation("chart-classes", data.classes, w);
    allocation("chart-risks", data.risks, w);
    chart("chart-ladder", {
      grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: yuan },
      xAxis: { type: "category", data: data.ladder.labels, axisLabel: { formatter: function (m) { return m.slice(2); } } },
      yAxis: { type: "value", axisLabel: { formatter: wan } },
      series: [{ name: w.matures, type: "bar", barMaxWidth: 28, data: data.ladder.values.map(function (v, i) {
        return { value: Number(v), itemStyle: { color: i === 0 ? AMBER : GREEN } };
      }), label: { show: true, position: "top", fontSize: 10, formatter: function (p) { return p.value ? wan(p.value) : ""; } } }]
    });
    if (data.trend.dates.length > 1) {
      chart("chart-trend", {
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", valueFormatter: yuan },
        xAxis: { type: "category", data: data.trend.dates, axisLabel: { formatter: function (d) { return d.slice(2, 7); } } },
        yAxis: { type: "value", scale: true, axisLabel: { formatter: wan } },
        series: [{ name: w.aum, type: "line", data: data.trend.values.map(Number), smooth: true, symbolSize: 6,
                   areaStyle: { opacity: 0.08 }, lineStyle: { width: 2, color: GREEN }, itemStyle: { color: GREEN } }]
      });
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
