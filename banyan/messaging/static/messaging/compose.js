/* Compose page: a live count of characters and SMS units under the text (no inline scripts: CSP). */
(function () {
  "use strict";
  function units(n) { return n === 0 ? 0 : (n <= 70 ? 1 : Math.ceil(n / 67)); }
  function update(area) {
    var out = document.getElementById(area.getAttribute("data-count-target"));
    if (!out) return;
    var n = Array.from(area.value).length;
    out.querySelector("[data-chars]").textContent = n;
    var u = out.querySelector("[data-units]");
    if (u) u.textContent = units(n);
    var warn = out.querySelector("[data-over]");
    if (warn) warn.hidden = n <= 70;
  }
  document.addEventListener("input", function (ev) {
    if (ev.target.matches && ev.target.matches("textarea[data-count-target]")) update(ev.target);
  });
  document.querySelectorAll("textarea[data-count-target]").forEach(update);
})();
