"""Staff edit a card in Chromium: the Markdown preview follows the typing (htmx, rendered and
sanitised on the server), a rule of the content format shows as a field error, the save goes
through, the edit history records it, and the lesson page shows the change at once."""

import re

from playwright.sync_api import expect

from apps.content.models import Card, ContentEdit
from tests.factories import UserFactory

PASSWORD = "a-long-unusual-passphrase"


def test_staff_edit_a_card_with_a_live_preview_and_the_lesson_page_shows_it(
    page, browser, live_server, course_live, login, screenshot
):
    UserFactory(username="editor", password=PASSWORD, superuser=True)
    card = Card.objects.select_related("lesson__track").get(slug="ms-circuit-breaker")
    lesson_url = card.lesson.get_absolute_url()

    # A visitor's view of the lesson is cached before the edit.
    visitor_context = browser.new_context(base_url=live_server.url)
    visitor = visitor_context.new_page()
    visitor.goto(lesson_url)
    expect(visitor.locator("#card-ms-circuit-breaker")).to_be_visible()
    assert "Edited in the admin" not in visitor.content()

    login("editor", PASSWORD)
    page.goto(f"/admin/content/card/{card.pk}/change/")
    preview = page.locator("#id_answer_md-preview")
    expect(preview).to_contain_text(re.compile(r"circuit breaker", re.I))
    screenshot("admin-card-before")

    answer = page.locator("#id_answer_md")
    answer.press("Control+Home")
    answer.type('!!! tip "Edited in the admin"\n    Say **open**, *half-open* and closed.\n\n')
    expect(preview.locator(".admonition.tip .admonition-title")).to_have_text("Edited in the admin")
    expect(preview.locator(".admonition.tip strong")).to_have_text("open")
    # Raw HTML never reaches the page: the preview is sanitised like an import.
    answer.type("<img src=x onerror=alert(1)>\n\n")
    expect(preview).not_to_contain_text("onerror")
    expect(preview.locator("img")).to_have_count(0)
    screenshot("admin-card-preview")

    # A rule of the content format: 3 to 6 key points.
    key_points = page.locator("#id_key_points")
    kept = key_points.input_value()
    key_points.fill("Only one point")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".field-key_points .errorlist")).to_contain_text("Give 3 to 6 lines")
    expect(page.locator("#id_answer_md-preview .admonition.tip")).to_be_visible()
    screenshot("admin-card-error")
    key_points.fill(kept)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")

    edit = ContentEdit.objects.get(slug="ms-circuit-breaker")
    assert list(edit.changes) == ["answer_md"] and edit.user_name == "editor"
    page.goto(f"/admin/content/card/{card.pk}/change/")
    history = page.locator(".edit-history")
    expect(history).to_contain_text("editor")
    history.get_by_text("answer_md").click()
    expect(history.locator("pre")).to_contain_text("+!!! tip")
    screenshot("admin-card-history")

    # The lesson page shows the change, for visitors too (the content generation moved on).
    visitor.goto(lesson_url)
    card_box = visitor.locator("#card-ms-circuit-breaker")
    card_box.get_by_text("Show answer").click()
    expect(card_box.locator(".admonition.tip")).to_contain_text("Say open, half-open and closed.")
    expect(card_box.locator("img")).to_have_count(0)
    screenshot("admin-lesson-after", visitor)
    visitor_context.close()
