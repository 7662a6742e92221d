"""What the browser sweep (test_sweep.py) looks at on a page, as plain functions over a
Playwright page, so the keyboard and navigation tests can reuse them.

- visible template syntax: `{{`, `}}`, `{%`, `%}`, `{#`, `#}` in rendered text, code excluded;
- horizontal overflow: the document wider than the viewport (an element that scrolls on its
  own, a code block or a wide table in a scroll container, does not widen the document);
- console errors, uncaught exceptions and failed sub-requests;
- axe-core (vendored under static/vendor/axe-core/) at WCAG 2.2 A and AA, loaded as a same-origin
  script so it runs under the page's real Content Security Policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

AXE_URL = "/static/vendor/axe-core/axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Rules switched off, each with the reason it does not apply. (None so far.)
AXE_DISABLED: dict[str, str] = {}

LOOK = """
async () => {
  // A resize or a colour-scheme change lays out, fires resize handlers, then paints: wait for it.
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  const MARKERS = /\\{\\{|\\}\\}|\\{%|%\\}|\\{#|#\\}/;
  const leaked = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!MARKERS.test(node.data)) continue;
    const parent = node.parentElement;
    // Code samples may hold braces legitimately (f-strings, Jinja in an answer).
    if (!parent || parent.closest("pre, code, textarea, script, style, template, kbd")) continue;
    if (!parent.checkVisibility()) continue;
    leaked.push(node.data.trim().slice(0, 160));
  }
  const doc = document.documentElement;
  const width = doc.clientWidth;
  const culprits = [];
  if (doc.scrollWidth > width + 1) {
    const scrolls = (el) => {
      for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
        const x = getComputedStyle(up).overflowX;
        if (x === "auto" || x === "scroll" || x === "hidden" || x === "clip") return true;
      }
      return false;
    };
    for (const el of document.body.querySelectorAll("*")) {
      const rect = el.getBoundingClientRect();
      if (rect.width && rect.right > width + 1 && !scrolls(el)) {
        const parentRect = el.parentElement.getBoundingClientRect();
        if (parentRect.right > width + 1 && el.parentElement !== document.body) continue;
        const classes = typeof el.className === "string" ? el.className.trim() : "";
        const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
          + (classes ? "." + classes.split(/\\s+/).join(".") : "");
        culprits.push(`${name} (right edge ${Math.round(rect.right)} px)`);
        if (culprits.length >= 5) break;
      }
    }
  }
  return { leaked, scrollWidth: doc.scrollWidth, width, culprits };
}
"""

AXE_RUN = """
async ([tags, disabled]) => {
  // Let colour transitions end: a button caught mid-way from light to dark fails contrast.
  await Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null)));
  const rules = {};
  for (const id of disabled) rules[id] = { enabled: false };
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    rules,
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.slice(0, 4).map(
      (n) => n.target.join(" ") + " :: " + n.failureSummary.split("\\n").slice(1, 2).join("")
    ),
    count: v.nodes.length,
  }));
}
"""


@dataclass
class Problems:
    """Everything wrong on the pages seen so far, one readable line each."""

    lines: list[str] = field(default_factory=list)
    axe_rules: dict[str, int] = field(default_factory=dict)

    def add(self, where: str, what: str) -> None:
        self.lines.append(f"{where}: {what}")

    def __bool__(self) -> bool:
        return bool(self.lines)

    def by_rule(self) -> str:
        """One line per distinct problem, with the pages it was seen on (for a person)."""
        groups: dict[str, list[str]] = {}
        for line in self.lines:
            where, _, what = line.partition(": ")
            key = re.sub(r"\d+(\.\d+)? (px|nodes)", "N \\2", what)
            groups.setdefault(key, []).append(where)
        return "\n\n".join(
            f"{what}\n    on: {', '.join(wheres)}" for what, wheres in groups.items()
        )

    def report(self, limit: int = 60) -> str:
        shown = "\n".join(self.lines[:limit])
        more = len(self.lines) - limit
        return shown + (f"\n... and {more} more" if more > 0 else "")


def look(page, where: str, problems: Problems) -> None:
    """The cheap checks: template text and horizontal overflow, at the current size/scheme."""
    seen = page.evaluate(LOOK)
    for text in seen["leaked"]:
        problems.add(where, f"template syntax in visible text: {text!r}")
    if seen["scrollWidth"] > seen["width"] + 1:
        problems.add(
            where,
            f"page is {seen['scrollWidth']} px wide in a {seen['width']} px viewport: "
            + ", ".join(seen["culprits"] or ["(no single element found)"]),
        )


def axe(page, where: str, problems: Problems) -> None:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(url=AXE_URL)
    violations = page.evaluate(AXE_RUN, [AXE_TAGS, list(AXE_DISABLED)])
    for violation in violations:
        problems.axe_rules[violation["id"]] = problems.axe_rules.get(violation["id"], 0) + 1
        problems.add(
            where,
            f"axe {violation['id']} ({violation['impact']}, {violation['count']} nodes): "
            f"{violation['help']}; e.g. {violation['targets']}",
        )


def course_root(folder: Path) -> Path:
    """The real course for a test: every track and every exercise folder that has its
    exercise.md (one still being written in a working tree is left out)."""
    from django.conf import settings

    from tests.content_subset import content_subset

    exercises = Path(settings.CONTENT_DIR) / "exercises"
    ready = [d.name for d in sorted(exercises.iterdir()) if (d / "exercise.md").is_file()]
    return content_subset(folder, exercises=ready)


class Watcher:
    """Console errors, page errors and failed sub-requests of one tab, drained per page."""

    RESOURCES = {"script", "stylesheet", "image", "font", "fetch", "xhr", "media", "manifest"}

    def __init__(self, page):
        self.errors: list[str] = []
        self.document_status: int | None = None
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        # axe-core itself tries inline styles while it measures; the page's CSP refuses them.
        # That is the tool under the real policy, not the page: the page's own are kept.
        if message.location.get("url", "").split("?")[0].endswith(AXE_URL):
            return
        # Chromium logs the document's own error status ("Failed to load resource: ... 404")
        # when a 404 or 403 page is the expected answer; that one is not a broken sub-request.
        if (
            self.document_status
            and self.document_status >= 400
            and "Failed to load resource" in message.text
            and f"status of {self.document_status}" in message.text
            and message.location.get("url", "").split("?")[0].endswith(self._document_path)
        ):
            return
        self.errors.append(f"console error: {message.text} at {message.location.get('url')}")

    def _response(self, response) -> None:
        request = response.request
        if request.resource_type == "document" and request.frame.parent_frame is None:
            return
        if response.status >= 400 and request.resource_type in self.RESOURCES:
            self.errors.append(f"{request.resource_type} {request.url} answered {response.status}")

    def _failed(self, request) -> None:
        if request.resource_type in self.RESOURCES:
            self.errors.append(f"{request.resource_type} {request.url} failed: {request.failure}")

    _document_path = ""

    def expect_document(self, path: str, status: int) -> None:
        self._document_path = path
        self.document_status = status

    def drain(self) -> list[str]:
        errors, self.errors = self.errors, []
        return errors
