// The exercise page's code editor: CodeMirror 6 over the page's <textarea>, which stays in the
// form and receives every change, so the same form submits whichever editor is showing.
// Bundled by build.mjs into codemirror.min.js, an IIFE exposing window.PortalCodeEditor;
// static/js/editor.js decides when to load and mount it.
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import { python } from "@codemirror/lang-python";
import { bracketMatching, indentOnInput, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
import { highlightSelectionMatches, search, searchKeymap } from "@codemirror/search";
import { Compartment, EditorState } from "@codemirror/state";
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { classHighlighter } from "@lezer/highlight";

const LANGUAGES = { javascript: () => javascript(), python: () => python() };

// Colours come from static/css/editor.css (tok-* classes, light and dark by the site's
// prefers-color-scheme); the dark flag only switches CodeMirror's own base theme (panels,
// tooltips, selection) to match.
function darkScheme() {
  return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
}

/**
 * Mount the editor after `textarea` (which is hidden, not removed).
 * options: language ("javascript" | "python"), indent (spaces), nonce (the request's CSP
 * nonce, for the styles CodeMirror injects), label, describedBy, onRun (Ctrl/Cmd+Enter),
 * selection ({anchor, head}: where the textarea's cursor was).
 * Returns { view, focus(), setMarks(marks), destroy() }.
 */
function mount(textarea, options) {
  const opts = options || {};
  const scheme = new Compartment();
  const indent = " ".repeat(Number(opts.indent) || 2);
  const language = (LANGUAGES[opts.language] || LANGUAGES.javascript)();
  const contentAttributes = { "aria-label": opts.label || "Code editor" };
  if (opts.describedBy) contentAttributes["aria-describedby"] = opts.describedBy;

  const runKeymap = keymap.of([
    {
      key: "Mod-Enter",
      preventDefault: true,
      run() {
        if (opts.onRun) opts.onRun();
        return true;
      },
    },
  ]);

  const syncToTextarea = EditorView.updateListener.of((update) => {
    if (update.docChanged) textarea.value = update.state.doc.toString();
  });

  const state = EditorState.create({
    doc: textarea.value,
    extensions: [
      EditorView.cspNonce.of(opts.nonce || ""),
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightSpecialChars(),
      history(),
      drawSelection(),
      indentUnit.of(indent),
      EditorState.tabSize.of(indent.length),
      indentOnInput(),
      syntaxHighlighting(classHighlighter),
      bracketMatching(),
      closeBrackets(),
      highlightActiveLine(),
      highlightSelectionMatches(),
      search({ top: true }),
      lintGutter(),
      language,
      runKeymap,
      keymap.of([
        ...closeBracketsKeymap,
        ...defaultKeymap,
        ...searchKeymap,
        ...historyKeymap,
        // F8 moves to the next line a failing test points at; Ctrl/Cmd+Shift+M lists them all.
        ...lintKeymap,
        // Tab indents; Escape then Tab leaves the editor (CodeMirror's tab-focus escape).
        indentWithTab,
      ]),
      scheme.of(EditorView.darkTheme.of(darkScheme())),
      EditorView.contentAttributes.of(contentAttributes),
      syncToTextarea,
    ],
  });

  const view = new EditorView({ state, parent: textarea.parentNode });
  textarea.parentNode.insertBefore(view.dom, textarea.nextSibling);
  if (opts.selection) {
    const end = view.state.doc.length;
    const anchor = Math.min(opts.selection.anchor, end);
    const head = Math.min(opts.selection.head, end);
    view.dispatch({ selection: { anchor, head }, scrollIntoView: true });
  }

  const media = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)");
  const onScheme = () =>
    view.dispatch({ effects: scheme.reconfigure(EditorView.darkTheme.of(darkScheme())) });
  if (media && media.addEventListener) media.addEventListener("change", onScheme);

  return {
    view,
    focus() {
      view.focus();
    },
    // Replace the whole document (the "reset to starter" link), undoable.
    setCode(code) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: code } });
    },
    // marks: [{ line, message }] -> error diagnostics on those lines (gutter + underline).
    setMarks(marks) {
      const doc = view.state.doc;
      const diagnostics = (marks || [])
        .filter((mark) => mark.line >= 1 && mark.line <= doc.lines)
        .map((mark) => {
          const line = doc.line(mark.line);
          return { from: line.from, to: line.to, severity: "error", message: mark.message };
        });
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    destroy() {
      if (media && media.removeEventListener) media.removeEventListener("change", onScheme);
      textarea.value = view.state.doc.toString();
      view.destroy();
    },
  };
}

window.PortalCodeEditor = { mount };
