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

/* htmx answers that cannot be swapped: an expired session (the request was redirected to the
   login page) reloads the page, so the manager logs in again and comes back here; a server
   error says so instead of failing silently. */
(function () {
  "use strict";
  function notice(text) {
    var main = document.getElementById("main");
    if (!main) return;
    var box = document.createElement("div");
    box.className = "alert alert-danger alert-dismissible fade show";
    box.setAttribute("role", "alert");
    box.textContent = text;
    var close = document.createElement("button");
    close.type = "button"; close.className = "btn-close"; close.setAttribute("data-bs-dismiss", "alert");
    box.appendChild(close);
    main.insertBefore(box, main.firstChild);
    window.scrollTo({ top: 0, behavior: "smooth" });
  }
  document.addEventListener("htmx:afterRequest", function (ev) {
    var xhr = ev.detail && ev.detail.xhr;
    if (xhr && xhr.responseURL && xhr.responseURL.indexOf("/login/") >= 0) { window.location.reload(); }
  });
  document.addEventListener("htmx:responseError", function (ev) {
    var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
    var status = ev.detail && ev.detail.xhr ? ev.detail.xhr.status : 0;
    notice(zh ? "操作未成功（" + status + "），请刷新页面后重试。" : "That did not work (" + status + "). Please reload the page and try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
    notice(zh ? "网络连接中断，内容未保存，请稍后重试。" : "The network is down; nothing was saved. Please try again.");
  });
  // A button marked data-print prints the page (the visit brief); no inline handler under the CSP.
  document.addEventListener("click", function (ev) {
    if (ev.target.closest && ev.target.closest("[data-print]")) { window.print(); }
  });
})();
