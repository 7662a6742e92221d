"""Django's `{# ... #}` comment is one line only: one that spans lines is printed on the page
(it was, above the navigation of every page). Longer comments use {% comment %}."""

import re
from pathlib import Path

from django.conf import settings

UNCLOSED = re.compile(r"\{#(?:(?!#\}).)*$", re.MULTILINE)


def test_no_template_comment_spans_lines():
    offenders = []
    for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if UNCLOSED.search(line):
                offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}")
    assert not offenders, "use {% comment %} for these:\n" + "\n".join(offenders)
