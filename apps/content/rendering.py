"""Markdown to safe HTML, done once when content is imported or saved, never per request.

Code blocks are highlighted by Pygments on the server (`codehilite`); the sanitiser's allow-list
keeps exactly the markup Pygments, tables, the table of contents and admonitions produce. A lesson
block's `exercise=<id>` marker (apps/content/codeblocks.py) is dropped before rendering.
"""

import re

import markdown
import nh3

from apps.content.codeblocks import strip_markers

MARKDOWN_EXTENSIONS = ["fenced_code", "tables", "toc", "admonition", "codehilite", "sane_lists"]
MARKDOWN_CONFIG = {
    "codehilite": {"css_class": "highlight", "guess_lang": False, "linenums": False},
    "toc": {"permalink": False, "baselevel": 2},
    "tables": {"use_align_attribute": True},
}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "h2", "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class"},
    "a": {"href", "title"},
    "abbr": {"title"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def render_markdown(text: str) -> str:
    """Render author Markdown to sanitised HTML (headings start at h2: pages own the h1)."""
    if not text or not text.strip():
        return ""
    html = markdown.markdown(
        strip_markers(text),  # a block's `exercise=` marker is for the tests, not the page
        extensions=MARKDOWN_EXTENSIONS,
        extension_configs=MARKDOWN_CONFIG,
        output_format="html",
    )
    return sanitize_html(html)


def render_code(language: str, source: str) -> str:
    """Highlight source code as one fenced block. The fence is longer than any run of backticks
    in the source, so code (a learner's, say) can never close it and go on as Markdown."""
    longest = max((len(run) for run in re.findall(r"`+", source)), default=0)
    fence = "`" * max(4, longest + 1)
    return render_markdown(f"{fence}{language}\n{source.rstrip()}\n{fence}")
