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

/* htmx answers a form refused (400, 422) with its piece again, the errors at the fields: swap it
   in place like any answer, instead of a red "did not work" banner (htmx 2 swaps no 4xx by default). */
(function () {
  "use strict";
  if (!window.htmx) return;
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "400|422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true }
  ];
})();

/* Length limits are the server's (banyan/forms.py): a field with one carries data-maxlength and
   never a maxlength that would cut what is typed or pasted. Below it, a counter "23/500", shown
   for free text (a limit of 200 or more) that is not empty, from 80% of any limit, and red past
   it. It follows what is typed, never the focus: leaving a field must not move the button under
   the pointer. */
(function () {
  "use strict";
  var FIELDS = "textarea[data-maxlength], input[data-maxlength]:not([type=hidden])";

  function length(field) {
    // as the server counts: characters (not UTF-16 units); a textarea posts its line breaks as CR LF
    var n = Array.from(field.value).length;
    if (field.tagName === "TEXTAREA") n += (field.value.match(/\n/g) || []).length;
    return n;
  }

  function counterOf(field) {
    var id = field.getAttribute("data-counter");
    var counter = id ? document.getElementById(id) : null;
    if (counter) return counter;
    counter = document.createElement("div");
    counter.className = "char-count form-text text-end mt-0";
    counter.id = (field.id || "field" + Math.random().toString(36).slice(2)) + "-count";
    counter.setAttribute("aria-live", "polite");
    var after = field.parentElement && field.parentElement.classList.contains("input-group") ? field.parentElement : field;
    after.insertAdjacentElement("afterend", counter);
    field.setAttribute("data-counter", counter.id);
    return counter;
  }

  function update(field) {
    if (field.hasAttribute("data-count-target")) return;  // the field keeps its own counter (an SMS's parts)
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    if (!limit) return;
    var n = length(field);
    var over = n > limit;
    var shown = over || n >= 0.8 * limit || (limit >= 200 && n > 0);
    var counter = shown || field.hasAttribute("data-counter") ? counterOf(field) : null;
    if (!counter) return;
    counter.textContent = n + "/" + limit;
    counter.hidden = !shown;
    counter.classList.toggle("text-danger", over);
    counter.classList.toggle("fw-semibold", over);
  }

  function scan(root) {
    if (root && root.querySelectorAll) root.querySelectorAll(FIELDS).forEach(update);
  }

  document.addEventListener("input", function (ev) { if (ev.target.matches && ev.target.matches(FIELDS)) update(ev.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  } else {
    scan(document);
  }
  document.addEventListener("htmx:afterSettle", function () { scan(document); });
})();

/* A button that needs more before it can submit (the task card's "已约见" needs the meeting's time,
   place and purpose): data-opens names a <details>; a first click opens it instead of submitting. */
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest("button[data-opens]");
    if (!button) return;
    var panel = document.getElementById(button.getAttribute("data-opens"));
    if (!panel || panel.open) return;
    ev.preventDefault();
    panel.open = true;
    var first = panel.querySelector("input, select, textarea");
    if (first) first.focus();
  });
})();
