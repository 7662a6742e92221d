"""Every content page, as a full page and (for search) as its htmx partial."""

import pytest
from django.urls import reverse

from apps.content.models import Card, Lesson, Track
from apps.content.services import content_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree_course(tmp_path):
    root = tmp_path / "content"
    (root / "demo").mkdir(parents=True)
    (root / "demo" / "track.md").write_text("---\nid: demo\ntitle: Demo\norder: 1\n---\n")
    (root / "demo" / "01-lesson.md").write_text(
        "---\nid: demo-lesson\ntitle: Demo lesson\norder: 1\n---\n\n+++\nid: demo-card\n"
        "kind: qa\nquestion: Why?\nkey_points: [a, b, c]\n+++\nThe first answer.\n"
    )
    content_import(root=root)
    return root, Lesson.objects.get(slug="demo-lesson")


def test_home_lists_the_three_tracks_with_card_counts(client, course):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    for title in (
        "JavaScript async patterns",
        "Microservices fundamentals",
        "Microservices trick questions",
    ):
        assert title in html
    assert "6 cards" in html  # 3 scenarios, the interview framing, 2 beyond the notes
    assert "32 cards" in html  # 30 from the notes, 2 beyond them
    assert "15 cards" in html


def test_track_page_lists_its_lessons_in_order(client, course):
    track = Track.objects.get(slug="microservices-fundamentals")
    response = client.get(track.get_absolute_url())
    assert response.status_code == 200
    titles = [lesson.title for lesson in track.lessons.order_by("order")]
    html = response.content.decode()
    positions = [html.index(title) for title in titles]
    assert positions == sorted(positions)
    assert len(titles) == 8  # one per section of the material, then one beyond the notes
    assert titles[-1].startswith("Beyond the notes")


def test_lesson_page_hides_answers_behind_a_control_that_needs_no_javascript(client, course):
    card = Card.objects.get(slug="ms-circuit-breaker")
    response = client.get(card.lesson.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="card-{card.slug}"' in html
    assert "<details" in html and "<summary" in html and "Show answer" in html
    assert card.answer_html[:80] in html


def test_lesson_page_serves_stored_html_without_rendering_markdown(
    client, course, django_assert_max_num_queries
):
    lesson = Lesson.objects.get(slug="ms-general-concepts")
    with django_assert_max_num_queries(8):
        response = client.get(lesson.get_absolute_url())
    assert response.status_code == 200


def test_retired_cards_and_unknown_lessons_are_not_shown(client, course):
    card = Card.objects.get(slug="ms-service-mesh")
    Card.objects.filter(pk=card.pk).update(is_retired=True)
    html = client.get(card.lesson.get_absolute_url()).content.decode()
    assert f'id="card-{card.slug}"' not in html
    response = client.get(reverse("content:lesson", args=["microservices-fundamentals", "nope"]))
    assert response.status_code == 404
    assert "couldn't find that page" in response.content.decode()


def test_search_finds_questions_and_answers(client, course):
    response = client.get(reverse("content:search"), {"q": "circuit breaker"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert "ms-circuit-breaker" in html


def test_search_as_htmx_partial_returns_only_the_results(client, course):
    response = client.get(reverse("content:search"), {"q": "saga"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="search-results"' in html
    assert "result" in html
    assert response.headers["Vary"].count("HX-Request") == 1


def test_search_escapes_the_query(client, course):
    response = client.get(reverse("content:search"), {"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_custom_404_page(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "couldn't find that page" in response.content.decode()


def test_visitors_see_an_edited_card_at_once_despite_the_page_cache(client, tree_course):
    root, lesson = tree_course
    assert "The first answer." in client.get(lesson.get_absolute_url()).content.decode()
    lesson_file = root / "demo" / "01-lesson.md"
    lesson_file.write_text(lesson_file.read_text().replace("The first answer.", "A fresh answer."))
    content_import(root=root)
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert "A fresh answer." in html
    assert "The first answer." not in html


def test_a_visitor_s_repeat_lesson_page_costs_one_query(
    client, tree_course, django_assert_num_queries
):
    _, lesson = tree_course
    first = client.get(lesson.get_absolute_url()).content
    with django_assert_num_queries(1):  # the content generation
        response = client.get(lesson.get_absolute_url())
    assert response.status_code == 200
    assert response.content == first


def test_signed_in_pages_are_never_served_from_the_visitor_cache(client, tree_course, learner):
    _, lesson = tree_course
    client.get(lesson.get_absolute_url())
    client.force_login(learner)
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert "Ada" in html
    assert "csrfmiddlewaretoken" in html or "X-CSRFToken" in html


def test_visitor_pages_carry_no_csrf_token_to_share(client, tree_course):
    _, lesson = tree_course
    for _ in range(2):
        html = client.get(lesson.get_absolute_url()).content.decode()
        assert "X-CSRFToken" not in html
        assert "csrfmiddlewaretoken" not in html


def test_one_visitor_s_query_string_never_reaches_another_s_cached_page(client, tree_course):
    _, lesson = tree_course
    url = lesson.get_absolute_url()
    first = client.get(f"{url}?from=newsletter-campaign-42").content.decode()
    assert "newsletter-campaign-42" in first  # the log-in link's `next` keeps the whole URL
    for _ in range(2):
        assert "newsletter-campaign-42" not in client.get(url).content.decode()
