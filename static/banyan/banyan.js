/* Banyan, every page: the header search dropdown (keyboard and click-away). No inline scripts (CSP). */
(function () {
  "use strict";
  function suggestBox() { return document.getElementById("search-suggest"); }
  function hits() { var box = suggestBox(); return box ? Array.prototype.slice.call(box.querySelectorAll("a.list-group-item")) : []; }

  document.addEventListener("keydown", function (ev) {
    var input = document.getElementById("header-search");
    if (!input) return;
    var list = hits();
    var current = list.findIndex(function (a) { return a.classList.contains("active-hit"); });
    if (ev.target === input || list.indexOf(ev.target) >= 0) {
      if (ev.key === "ArrowDown" && list.length) {
        ev.preventDefault();
        var next = list[Math.min(current + 1, list.length - 1)];
        list.forEach(function (a) { a.classList.remove("active-hit"); });
        next.classList.add("active-hit"); next.focus();
      } else if (ev.key === "ArrowUp" && list.length) {
        ev.preventDefault();
        list.forEach(function (a) { a.classList.remove("active-hit"); });
        if (current <= 0) { input.focus(); } else { list[current - 1].classList.add("active-hit"); list[current - 1].focus(); }
      } else if (ev.key === "Escape") {
        suggestBox().innerHTML = ""; input.focus();
      }
    }
  });

  document.addEventListener("click", function (ev) {
    var box = suggestBox();
    if (box && !ev.target.closest(".header-search")) { box.innerHTML = ""; }
  });

  document.addEventListener("input", function (ev) {
    if (ev.target && ev.target.id === "header-search" && !ev.target.value.trim()) {
      var box = suggestBox(); if (box) box.innerHTML = "";
    }
  });
})();
