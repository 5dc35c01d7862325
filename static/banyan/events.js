/* Client events (EVT-4): the review's funnel and AUM comparison, and the period's comparison of
   events, drawn with ECharts from json_script data (CSP: no inline JS). */
(function () {
  "use strict";
  var GREEN = "#0f5c4d", SOFT = "#9cc9bd", AMBER = "#c98a1b";
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var c = echarts.init(el, null, { renderer: "svg" });
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
  }
  var review = data("event-review-data");
  if (review) {
    chart("ev-funnel", {
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: review.funnel.labels, inverse: true, axisTick: { show: false } },
      series: [{ type: "bar", barMaxWidth: 28, data: review.funnel.values, itemStyle: { color: GREEN },
                 label: { show: true, position: "right" } }]
    });
    chart("ev-aum", {
      grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: review.aum.labels, axisTick: { show: false } },
      yAxis: { type: "value" },
      series: [{ type: "bar", barWidth: "40%", data: review.aum.values.map(Number),
                 itemStyle: { color: function (p) { return p.dataIndex === 0 ? GREEN : SOFT; } },
                 label: { show: true, position: "top", formatter: function (p) { return "¥" + Number(p.value).toLocaleString("zh-CN"); } } }]
    });
  }
  var period = data("event-period-data");
  if (period) {
    chart("ev-period", {
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      legend: { top: 0 }, tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: period.labels, axisLabel: { interval: 0, width: 90, overflow: "truncate" } },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", axisLabel: { formatter: "¥{value}" } }],
      series: [{ name: "到场", type: "bar", barMaxWidth: 40, data: period.attended, itemStyle: { color: GREEN } },
               { name: "销售机会", type: "bar", barMaxWidth: 40, data: period.opportunities, itemStyle: { color: SOFT } },
               { name: "人均成本", type: "line", yAxisIndex: 1, data: period.cost_per_attendee.map(Number), itemStyle: { color: AMBER } }]
    });
  }
})();
