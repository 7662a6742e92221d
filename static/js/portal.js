// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // htmx swaps nothing on an error status. A 503 means the portal was busy for a moment
  // (apps/core/db_busy.py): show its message at the top of the page instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var main = document.getElementById("main");
    if (!xhr || xhr.status !== 503 || !main) return;
    var text = new DOMParser().parseFromString(xhr.responseText, "text/html").body.textContent;
    var box = document.getElementById("busy-message");
    if (!box) {
      box = document.createElement("p");
      box.id = "busy-message";
      box.className = "message error";
      box.setAttribute("role", "alert");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text.trim() || "The portal is busy right now: try again in a few seconds.";
  });

  // A code block wider than its box scrolls sideways: keyboard users need to reach it to scroll
  // it (WCAG 2.1.1), so it joins the tab order while, and only while, it overflows.
  function focusableScrollers() {
    document.querySelectorAll("pre").forEach(function (pre) {
      var scrolls = pre.scrollWidth > pre.clientWidth + 1;
      if (scrolls && !pre.hasAttribute("tabindex")) {
        pre.setAttribute("tabindex", "0");
        pre.dataset.scrollFocus = "1";
      } else if (!scrolls && pre.dataset.scrollFocus) {
        pre.removeAttribute("tabindex");
        delete pre.dataset.scrollFocus;
      }
    });
  }
  var pending = 0;
  function soon() {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(focusableScrollers);
  }
  document.addEventListener("DOMContentLoaded", focusableScrollers);
  document.addEventListener("htmx:afterSettle", soon);
  document.addEventListener("toggle", soon, true);
  window.addEventListener("resize", soon);
})();
