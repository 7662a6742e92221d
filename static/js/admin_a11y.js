// The Django admin's widgets, completed where axe-core (tests/e2e/test_sweep.py) finds them short
// of WCAG 2.2 AA. Django's own scripts build some of these elements on "load", so this runs after.
(function () {
  "use strict";

  function labelled(input) {
    return input.labels && input.labels.length > 0 || input.hasAttribute("aria-label") ||
      input.hasAttribute("aria-labelledby");
  }

  function complete() {
    // SelectFilter2's magnifier icon carries aria-label on a bare <span>: give it a role that
    // may be named (4.1.2).
    document.querySelectorAll("span.search-label-icon[aria-label]").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
    // A split date/time field: "Date: [ ] Time: [ ]" is text, not a label (1.3.1, 3.3.2).
    document.querySelectorAll("p.datetime").forEach(function (row) {
      var field = row.closest(".form-row, .fieldBox, div");
      var main = field && field.querySelector("label");
      var name = main ? main.textContent.replace(/:\s*$/, "").trim() : "";
      row.querySelectorAll("input.vDateField, input.vTimeField").forEach(function (input) {
        if (labelled(input)) return;
        var part = input.classList.contains("vDateField") ? "date" : "time";
        input.setAttribute("aria-label", (name ? name + ", " : "") + part);
      });
    });
    // Tabular inlines: each cell's input is named by its column header and row (1.3.1).
    document.querySelectorAll(".inline-group .tabular table").forEach(function (table) {
      var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row, index) {
        Array.prototype.forEach.call(row.cells, function (cell, column) {
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (input) {
            if (labelled(input) || !headers[column]) return;
            input.setAttribute("aria-label", headers[column] + " (row " + (index + 1) + ")");
          });
        });
      });
    });
    // A region that scrolls with nothing focusable inside is reached by keyboard (2.1.1): the
    // inline tables on a phone, the live Markdown preview of a long text.
    var content = document.getElementById("content") || document.body;
    content.querySelectorAll("div, pre, fieldset, table").forEach(function (box) {
      var style = getComputedStyle(box);
      var scrollsX = /auto|scroll/.test(style.overflowX) && box.scrollWidth > box.clientWidth + 1;
      var scrollsY = /auto|scroll/.test(style.overflowY) && box.scrollHeight > box.clientHeight + 1;
      if (!(scrollsX || scrollsY) || box.hasAttribute("tabindex")) return;
      var inside = box.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, [tabindex]");
      var reachable = Array.prototype.some.call(inside, function (el) {
        return el.checkVisibility ? el.checkVisibility() : el.offsetParent !== null;
      });
      if (!reachable) box.setAttribute("tabindex", "0");
    });
  }

  var pending = 0;
  function soon() { cancelAnimationFrame(pending); pending = requestAnimationFrame(complete); }
  window.addEventListener("load", soon);
  window.addEventListener("resize", soon);
  document.addEventListener("formset:added", soon);
  document.addEventListener("htmx:afterSettle", soon);
})();
