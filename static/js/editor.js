// The exercise page's editor. The <textarea data-editor> is the form field and the plain editor;
// without this file it still works (Tab moves focus, as everywhere else). This file:
// - makes the textarea keyboard-friendly: Tab / Shift+Tab indent and outdent; Esc then Tab
//   leaves it; Enter keeps the line's indentation; Ctrl/Cmd+Enter runs the examples;
// - unless the learner ticked "Plain editor" (remembered on their account, or in localStorage
//   for visitors), loads the CodeMirror bundle after the page is usable and mounts it over the
//   textarea, which stays in the form and receives every change;
// - marks in the gutter the lines failing tests point at, after each result arrives.
(function () {
  "use strict";

  // The request's CSP nonce, for the styles CodeMirror injects (read while this script runs).
  var NONCE = (document.currentScript && document.currentScript.nonce) || "";
  var STORAGE_KEY = "portal.plainEditor";
  var code = null; // the mounted CodeMirror editor, when showing
  var bundle = null; // the promise of window.PortalCodeEditor

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
        run(textarea);
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

  // Ctrl/Cmd+Enter: "Run examples" (free) when the learner can run anything.
  function run(textarea) {
    var button = textarea.form && textarea.form.querySelector("[data-run-examples]");
    if (button && !button.disabled) button.click();
  }

  function loadBundle(textarea) {
    if (window.PortalCodeEditor) return Promise.resolve(window.PortalCodeEditor);
    if (bundle) return bundle;
    bundle = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = textarea.dataset.bundle;
      script.async = true;
      if (NONCE) script.nonce = NONCE;
      script.onload = function () {
        if (window.PortalCodeEditor) resolve(window.PortalCodeEditor);
        else reject(new Error("the editor bundle did not load"));
      };
      script.onerror = function () {
        bundle = null;
        reject(new Error("the editor bundle did not load"));
      };
      document.head.appendChild(script);
    });
    return bundle;
  }

  function failingLines() {
    var rows = document.querySelectorAll("#results tr[data-code-line]");
    return Array.prototype.map.call(rows, function (row) {
      var name = row.querySelector("th");
      var message = row.querySelector(".test-message");
      return {
        line: Number(row.dataset.codeLine),
        message:
          (name ? name.firstChild.textContent.trim() + ": " : "") +
          (message ? message.textContent.trim() : "this line failed"),
      };
    });
  }

  function showCode(textarea) {
    return loadBundle(textarea).then(function (api) {
      if (code || !plainSwitchOff()) return;
      var hadFocus = document.activeElement === textarea;
      var label = document.querySelector('label[for="' + textarea.id + '"]');
      code = api.mount(textarea, {
        language: textarea.dataset.language,
        indent: Number(textarea.dataset.indent) || 2,
        nonce: NONCE,
        label: label ? label.textContent.trim() + ", code editor" : "Code editor",
        describedBy: textarea.getAttribute("aria-describedby"),
        onRun: function () {
          run(textarea);
        },
        selection: { anchor: textarea.selectionStart, head: textarea.selectionEnd },
      });
      textarea.hidden = true;
      // The editable area is in the tab order already (contenteditable); saying so with tabindex
      // lets checkers (axe's scrollable-region-focusable) see that its scroller is reachable.
      var content = textarea.parentNode.querySelector(".cm-content[contenteditable=true]");
      if (content && !content.hasAttribute("tabindex")) content.setAttribute("tabindex", "0");
      code.setMarks(failingLines());
      if (hadFocus) code.focus();
      window.__editorReadyAt = performance.now();
      document.dispatchEvent(new CustomEvent("editor:ready"));
    });
  }

  function showPlain(textarea) {
    if (code) {
      code.destroy(); // hands its text back to the textarea
      code = null;
    }
    textarea.hidden = false;
  }

  function plainSwitchOff() {
    var box = document.getElementById("plain-editor");
    return !box || !box.checked;
  }

  function setUpSwitch(textarea) {
    var box = document.getElementById("plain-editor");
    if (!box) return false;
    var saved = textarea.dataset.plain;
    if (saved === "") {
      try {
        saved = window.localStorage.getItem(STORAGE_KEY) === "1" ? "1" : "0";
      } catch (err) {
        saved = "0";
      }
    }
    box.checked = saved === "1";
    box.closest(".editor-switch").hidden = false;
    box.addEventListener("change", function () {
      if (textarea.dataset.plain === "") {
        try {
          window.localStorage.setItem(STORAGE_KEY, box.checked ? "1" : "0");
        } catch (err) {
          // private mode: the choice lasts for this page
        }
      }
      // Signed-in learners: htmx posts the change (hx-post on the checkbox).
      if (box.checked) {
        showPlain(textarea);
        announce("The plain editor is on.");
      } else {
        showCode(textarea).then(
          function () {
            announce("The code editor is on.");
          },
          function () {
            announce("The code editor could not be loaded; the plain editor stays.");
          },
        );
      }
    });
    return true;
  }

  function resetToStarter(event) {
    var link = event.target.closest("[data-reset-starter]");
    if (!link) return;
    var textarea = document.querySelector("textarea[data-editor]");
    var starter = document.getElementById("starter-code");
    if (!textarea || !starter) return;
    event.preventDefault();
    var starterCode = starter.content ? starter.content.textContent : starter.textContent;
    if (code) {
      code.setCode(starterCode);
      code.focus();
      announce("The editor holds the starter code again. Ctrl+Z brings your code back.");
      return;
    }
    textarea.focus();
    textarea.select();
    replaceSelection(textarea, starterCode, 0, 0);
    textarea.scrollTop = 0;
    announce("The editor holds the starter code again. Ctrl+Z brings your code back.");
  }

  function init() {
    document.querySelectorAll("textarea[data-editor]").forEach(setUp);
    document.addEventListener("click", resetToStarter);
    var textarea = document.querySelector("textarea[data-editor][data-bundle]");
    if (!textarea) return;
    setUpSwitch(textarea);
    if (plainSwitchOff()) {
      showCode(textarea).catch(function () {
        announce("The code editor could not be loaded; the plain editor works as usual.");
      });
    }
    // A new result (htmx swapped #results): mark the lines its failing tests point at.
    document.body.addEventListener("htmx:afterSettle", function (event) {
      if (code && event.target && event.target.id === "results") code.setMarks(failingLines());
    });
    // The label names the textarea; with the code editor showing, it leads there instead.
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    if (label) {
      label.addEventListener("click", function (event) {
        if (!code) return;
        event.preventDefault();
        code.focus();
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
