/* Phone invitations: the calling screen shows only the fields the chosen outcome needs (without
   JavaScript all of them show and the server checks); the campaign's funnel and the calling
   progress as ECharts (data via json_script); the feed URL copied on click. */
(function () {
  "use strict";

  // ---- the calling screen
  var form = document.getElementById("call-form");
  if (form) {
    var parts = form.querySelectorAll("[data-for]");
    var sync = function () {
      var chosen = form.querySelector("input[name=outcome]:checked");
      var value = chosen ? chosen.value : "";
      parts.forEach(function (el) {
        var show = el.getAttribute("data-for").split(" ").indexOf(value) >= 0;
        el.hidden = !show;
      });
    };
    form.addEventListener("change", function (ev) { if (ev.target.name === "outcome") { sync(); } });
    sync();
  }

  // ---- the campaign's funnel
  var fEl = document.getElementById("funnel-chart");
  var fData = document.getElementById("funnel-data");
  if (fEl && fData && typeof echarts !== "undefined") {
    var d = JSON.parse(fData.textContent);
    var chart = echarts.init(fEl);
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 64, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: d.labels.slice().reverse(), axisTick: { show: false } },
      series: [{
        type: "bar", data: d.values.slice().reverse(), barMaxWidth: 26, itemStyle: { color: "#2f6f4f" },
        label: {
          show: true, position: "right",
          formatter: function (p) {
            var i = d.labels.length - 1 - p.dataIndex;
            var c = d.conversion[i];
            return p.value + (c === null || c === undefined ? "" : "  (" + c + "%)");
          }
        }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // ---- calling progress
  var pEl = document.getElementById("progress-chart");
  var pData = document.getElementById("progress-data");
  if (pEl && pData && typeof echarts !== "undefined") {
    var p = JSON.parse(pData.textContent);
    var series = p.series.map(function (s) {
      return { type: "bar", name: s.name, data: s.data, barMaxWidth: 28, label: { show: true, position: "top" } };
    });
    if (p.target && series.length) {
      series[0].markLine = { symbol: "none", data: [{ yAxis: p.target }], label: { formatter: "{c}", position: "insideEndTop" },
                             lineStyle: { color: "#d39e00", type: "dashed" } };
    }
    var pc = echarts.init(pEl);
    pc.setOption({
      animation: false,
      color: ["#2f6f4f", "#4f8fc0", "#d39e00", "#a3154a", "#5a35c0", "#495057"],
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "category", data: p.periods },
      yAxis: { type: "value", name: p.label, nameTextStyle: { align: "left" }, minInterval: 1,  // the name whole, not cut at the edge
               max: function (v) { return Math.max(v.max, p.target || 0); } },
      series: series
    });
    window.addEventListener("resize", function () { pc.resize(); });
  }

  // ---- the feed URL
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var target = document.getElementById(btn.getAttribute("data-copy"));
      if (!target) { return; }
      target.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(target.value); } else { document.execCommand("copy"); }
      btn.textContent = btn.getAttribute("data-done") || btn.textContent;
    });
  });
}());
