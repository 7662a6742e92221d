"""Course content is sanitised HTML, whichever way it arrives: a Markdown file imported from
content/, a card saved in the admin, the admin's live preview. Scripts, event handlers,
javascript: and data: links, frames, styles, forms and SVG never reach a page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from apps.content.models import Card, Lesson
from apps.content.services import content_import
from tests.factories import UserFactory
from tests.security.inert import MARKER, assert_inert

HOSTILE_MARKDOWN = f"""\
Plain words stay.

<script>window.{MARKER}=1</script>
<img src=x onerror="window.{MARKER}=1">
<p onclick="window.{MARKER}=1" style="position:fixed">a paragraph with a handler</p>
<svg onload="window.{MARKER}=1"><circle r="1"/></svg>
<iframe src="https://evil.example/{MARKER}"></iframe>
<style>body {{ background: url(https://evil.example/{MARKER}) }}</style>
<form action="https://evil.example/{MARKER}"><input name="password"></form>
<object data="https://evil.example/{MARKER}"></object>

[a javascript link](javascript:window.{MARKER}=1)
[a data link](data:text/html,<script>window.{MARKER}=1</script>)
<a href="data:text/html;base64,PHNjcmlwdD4=">a raw data link {MARKER}</a>
<a href="JaVaScRiPt:window.{MARKER}=1">mixed case</a>
<a href="jav&#x09;ascript:window.{MARKER}=1">an entity in the scheme</a>
<a href="https://example.com/fine" onmouseover="window.{MARKER}=1">a fine link</a>
<https://example.com/auto>
"""

FORBIDDEN_TAGS = {"script", "iframe", "style", "svg", "object", "embed", "img", "form", "input"}


def _prose(html: str) -> str:
    """The course's own HTML on a page: every `prose` block (the layout's scripts, forms and
    styles are not content)."""
    blocks = re.findall(
        r'<div class="[^"]*\b(?:prose|md-preview)\b[^"]*"[^>]*>(.*?)</div>', html, re.S
    )
    assert blocks, "no content on the page"
    return "\n".join(blocks)


def assert_sanitised(html: str, *, where: str) -> None:
    assert_inert(html, where=where)
    prose = _prose(html)
    tags = set(re.findall(r"<\s*([a-zA-Z]+)", prose))
    assert not tags & FORBIDDEN_TAGS, f"{where}: {sorted(tags & FORBIDDEN_TAGS)} in the content"
    for href in re.findall(r'href="([^"]*)"', prose):
        assert href.startswith(("https://", "http://", "#", "mailto:")), f"{where}: href {href}"
    assert not re.search(r"\son\w+=", prose), f"{where}: an event handler in the content"
    assert "style=" not in prose, f"{where}: an inline style in the content"
    # Sanitising keeps the text: the safe link and the plain words are still there.
    assert 'href="https://example.com/' in prose and "Plain words stay." in prose


def _write_course(root: Path) -> None:
    track = root / "hostile"
    track.mkdir(parents=True)
    (track / "track.md").write_text(
        f"---\nid: hostile\ntitle: Hostile\norder: 1\n---\n{HOSTILE_MARKDOWN}"
    )
    indented = "\n".join(f"  {line}" for line in HOSTILE_MARKDOWN.splitlines())
    (track / "01-lesson.md").write_text(
        "---\nid: hostile-lesson\ntitle: Hostile lesson\norder: 1\n---\n"
        f"{HOSTILE_MARKDOWN}\n+++\nid: hostile-card\nkind: trick\nquestion: |\n{indented}\n"
        "key_points:\n  - one <script>window.__xss=1</script>\n  - two\n  - three\n"
        f"pitfall: |\n{indented}\n+++\n{HOSTILE_MARKDOWN}"
    )


def test_an_imported_content_file_is_sanitised(db, tmp_path, client):
    _write_course(tmp_path)
    content_import(root=tmp_path)
    card = Card.objects.get(slug="hostile-card")
    assert card.answer_html and card.question_html and card.pitfall_html

    for who in ("a visitor", "a learner"):
        if who == "a learner":
            client.force_login(UserFactory(username="ada", password="x-long-password-1"))
        lesson = client.get(reverse("content:lesson", args=["hostile", "hostile-lesson"]))
        assert lesson.status_code == 200
        assert_sanitised(lesson.content.decode(), where=f"the lesson page for {who}")
        track = client.get(reverse("content:track", args=["hostile"]))
        assert_sanitised(track.content.decode(), where=f"the track page for {who}")


@pytest.fixture
def staff_client(db, client):
    client.force_login(UserFactory(username="sam", password="x-long-password-1", superuser=True))
    return client


def test_an_admin_edit_and_its_preview_are_sanitised(tmp_path, staff_client):
    _write_course(tmp_path)
    content_import(root=tmp_path)
    lesson = Lesson.objects.get(slug="hostile-lesson")
    card = Card.objects.get(slug="hostile-card")

    preview = staff_client.post(
        reverse("admin:content_markdown_preview") + "?field=answer_md",
        {"answer_md": HOSTILE_MARKDOWN},
    )
    assert preview.status_code == 200
    assert_sanitised(f'<div class="md-preview">{preview.content.decode()}</div>', where="preview")

    saved = staff_client.post(
        reverse("admin:content_card_change", args=[card.pk]),
        {
            "lesson": lesson.pk,
            "kind": "qa",
            "order": 1,
            "question_md": "Edited in the admin " + HOSTILE_MARKDOWN,
            "answer_md": HOSTILE_MARKDOWN,
            "key_points": "one\ntwo\nthree",
            "follow_ups": f"<script>window.{MARKER}=1</script>",
            "pitfall_md": "",
            "_save": "Save",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:3000]
    card.refresh_from_db()
    assert card.question_md.startswith("Edited in the admin")

    change = staff_client.get(reverse("admin:content_card_change", args=[card.pk]))
    assert_sanitised(change.content.decode(), where="the admin change page with its previews")

    staff_client.logout()
    page = staff_client.get(reverse("content:lesson", args=["hostile", "hostile-lesson"]))
    html = page.content.decode()
    assert "Edited in the admin" in html
    assert_sanitised(html, where="the lesson page after the admin edit")
