// The code editor: a plain <textarea data-editor> that keeps Tab for indentation.
// Without this file the textarea still works (Tab moves focus, as everywhere else).
// Keyboard: Tab / Shift+Tab indent and outdent; Esc then Tab leaves the editor;
// Enter keeps the current line's indentation; Ctrl/Cmd+Enter runs the tests.
(function () {
  "use strict";

  function announce(text) {
    var status = document.getElementById("editor-status");
    if (status) status.textContent = text;
  }

  // Edits go through execCommand where it exists, so Ctrl+Z undoes them.
  function replaceSelection(textarea, text, selectStart, selectEnd) {
    textarea.focus();
    var done = false;
    try {
      done = document.execCommand("insertText", false, text);
    } catch (err) {
      done = false;
    }
    if (!done) {
      textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, "end");
    }
    if (selectStart !== undefined) textarea.setSelectionRange(selectStart, selectEnd);
  }

  function lineStart(value, index) {
    return value.lastIndexOf("\n", index - 1) + 1;
  }

  function indentLines(textarea, unit, outdent) {
    var value = textarea.value;
    var start = textarea.selectionStart;
    var end = textarea.selectionEnd;
    var multiline = value.slice(start, end).indexOf("\n") !== -1;
    if (!outdent && !multiline) {
      // Indent to the next multiple of the unit from the cursor's column.
      var column = start - lineStart(value, start);
      var spaces = unit - (column % unit);
      replaceSelection(textarea, " ".repeat(spaces));
      return;
    }
    var from = lineStart(value, start);
    var to = end > start && value[end - 1] === "\n" ? end - 1 : end;
    var lines = value.slice(from, to).split("\n");
    var firstDelta = 0;
    var total = 0;
    var changed = lines.map(function (line, i) {
      var delta;
      var next;
      if (outdent) {
        var leading = line.match(/^ */)[0].length;
        delta = -Math.min(leading, unit);
        next = line.slice(-delta);
      } else {
        delta = line.length ? unit : 0;
        next = (line.length ? " ".repeat(unit) : "") + line;
      }
      if (i === 0) firstDelta = delta;
      total += delta;
      return next;
    });
    textarea.setSelectionRange(from, to);
    var newStart = multiline ? from : Math.max(from, start + firstDelta);
    var newEnd = multiline ? to + total : Math.max(from, end + firstDelta);
    replaceSelection(textarea, changed.join("\n"), newStart, newEnd);
  }

  function newlineWithIndent(textarea) {
    var value = textarea.value;
    var start = textarea.selectionStart;
    var line = value.slice(lineStart(value, start), start);
    var indent = line.match(/^ */)[0];
    if (/[{[(:]\s*$/.test(line)) indent += " ".repeat(Number(textarea.dataset.indent) || 2);
    replaceSelection(textarea, "\n" + indent);
  }

  function setUp(textarea) {
    var unit = Number(textarea.dataset.indent) || 2;
    var leaving = false;
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        leaving = true;
        announce("Press Tab to leave the editor.");
        return;
      }
      if (event.key === "Tab" && !event.ctrlKey && !event.altKey && !event.metaKey) {
        if (leaving) {
          leaving = false;
          announce("");
          return; // the browser moves focus
        }
        event.preventDefault();
        indentLines(textarea, unit, event.shiftKey);
        return;
      }
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (textarea.form) textarea.form.requestSubmit();
        return;
      }
      if (leaving && event.key !== "Shift") {
        leaving = false;
        announce("");
      }
      if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.isComposing) {
        event.preventDefault();
        newlineWithIndent(textarea);
      }
    });
    textarea.addEventListener("blur", function () {
      leaving = false;
    });
  }

  function resetToStarter(event) {
    var link = event.target.closest("[data-reset-starter]");
    if (!link) return;
    var textarea = document.querySelector("textarea[data-editor]");
    var starter = document.getElementById("starter-code");
    if (!textarea || !starter) return;
    event.preventDefault();
    var code = starter.content ? starter.content.textContent : starter.textContent;
    textarea.focus();
    textarea.select();
    replaceSelection(textarea, code, 0, 0);
    textarea.scrollTop = 0;
    announce("The editor holds the starter code again. Ctrl+Z brings your code back.");
  }

  function init() {
    document.querySelectorAll("textarea[data-editor]").forEach(setUp);
    document.addEventListener("click", resetToStarter);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
