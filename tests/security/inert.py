"""Payloads a learner might type, and a check that a page shows them as text only.

Every payload sets `window.__xss` when it runs, so the browser test can ask the page whether
anything ran; the HTML check parses the page (html.parser, as a browser would tokenise it) and
looks for markup the payload created: a <script> holding the marker, an element the payload
could have opened (img, svg, iframe, a...) carrying it, an on* handler or a javascript: URL
with it.
"""

from __future__ import annotations

from html.parser import HTMLParser

MARKER = "__xss"

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
    "'><svg onload=window.__xss=1>",
    "</textarea><script>window.__xss=1</script>",
    "</title></pre><style>*{}</style><script>window.__xss=1</script>",
    '<a href="javascript:window.__xss=1">click</a>',
    "javascript:window.__xss=1//",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "{{ request }}{% csrf_token %}<details open ontoggle=window.__xss=1>",
]

# Elements a payload could open; the page's own never carry learner text in their attributes.
PAYLOAD_TAGS = {
    "a", "base", "body", "details", "embed", "form", "iframe", "img", "link", "math", "meta",
    "object", "script", "style", "svg", "video", "audio", "source",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"}


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._raw_text: str | None = None  # inside <script> or <style>

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if MARKER not in value and MARKER not in name:
                continue
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>: an event handler")
            elif name in URL_ATTRIBUTES:
                # The page's own links may carry learner text percent-encoded in a query
                # string (?next=/search/%3Fq%3D...); a payload's URL goes somewhere else.
                if not value.startswith(("/", "?", "#")) or ":" in value.split("?")[0]:
                    self.problems.append(f"<{tag} {name}={value!r}>: a URL from the payload")
            elif tag in PAYLOAD_TAGS:
                self.problems.append(f"<{tag} {name}={value!r}>: an element from the payload")
        if tag in ("script", "style"):
            self._raw_text = tag

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._raw_text = None

    def handle_endtag(self, tag):
        if tag == self._raw_text:
            self._raw_text = None

    def handle_data(self, data):
        if self._raw_text and MARKER in data:
            self.problems.append(f"<{self._raw_text}> holding {data.strip()[:80]!r}")


def markup_from_payload(html: str) -> list[str]:
    """What in `html` a payload turned into markup (empty when every payload is text)."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.problems


def assert_inert(html: str, *, where: str, shown: bool = True) -> None:
    """The page shows the payloads (when `shown`) and none of them became markup."""
    problems = markup_from_payload(html)
    assert not problems, f"{where}: payload rendered as markup: {problems}"
    if shown:
        assert MARKER in html, f"{where}: the payload is not on the page (is this the right page?)"
