"""Study pages as full pages and as htmx partials, plain form posts without JavaScript, and the
progress shown on the course pages."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from apps.study import services
from apps.study.models import CardState, MockInterview, ReviewLog

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


def rate(client, card, rating, *, key="key-000001", context="lesson", htmx=True, **extra):
    data = {"rating": rating, "idempotency_key": key, "context": context, **extra}
    headers = HTMX if htmx else {}
    return client.post(reverse("study:rate", args=[card.slug]), data, headers=headers)


def badge(html: str) -> int:
    match = re.search(r'id="due-count"[^>]*>(\d+)<', html)
    assert match, "no due-count badge"
    return int(match.group(1))


# Lesson page ------------------------------------------------------------------------------


def test_visitors_read_lessons_and_are_asked_to_sign_in_to_rate(client, mini_course):
    html = client.get(mini_course.basics.get_absolute_url()).content.decode()
    assert "Answer number" in html
    assert "rating-form" not in html
    login = reverse("accounts:login") + "?next=" + "/tracks/async/basics/%23card-b1"
    assert login in html
    assert 'id="due-count"' not in html


def test_a_learner_sees_four_rating_buttons_with_their_intervals(signed_in, mini_course):
    html = signed_in.get(mini_course.basics.get_absolute_url()).content.decode()
    form = html[html.index('id="rating-b1"') :]
    form = form[: form.index("</form>")]
    labels = re.findall(r'class="rate-label">(\w+)<.*?class="rate-interval">([^<]+)<', form, re.S)
    assert labels == [("Again", "1 min"), ("Hard", "6 min"), ("Good", "10 min"), ("Easy", "8 days")]
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', form)
    assert 'hx-post="/study/cards/b1/rate/"' in form and 'action="/study/cards/b1/rate/"' in form
    assert 'aria-keyshortcuts="1"' in form
    assert "js/study.js" in html


def test_intervals_follow_the_cards_state(signed_in, learner, mini_course):
    services.review_record(user=learner, card=mini_course.card("b1"), rating=4)
    html = signed_in.get(mini_course.basics.get_absolute_url()).content.decode()
    form = html[html.index('id="rating-b1"') :]
    assert "Review · due in 8 days" in form[: form.index("</form>")]


def test_rating_over_htmx_returns_the_confirmation_and_updates_badge_and_progress(
    signed_in, learner, mini_course
):
    before = badge(signed_in.get(mini_course.basics.get_absolute_url()).content.decode())
    response = rate(signed_in, mini_course.card("b2"), 3, key="reveal-abc123", duration_ms=5300)
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="rating-b2"' in html and "Saved: Good. Next review in 10 min." in html
    assert badge(html) == before - 1
    assert 'id="lesson-progress" hx-swap-oob="true"' in html and "1 seen" in html
    log = ReviewLog.objects.get(user=learner)
    assert (log.source, log.duration_ms, log.idempotency_key) == ("lesson", 5300, "reveal-abc123")


def test_rating_without_javascript_redirects_back_to_the_card(signed_in, learner, mini_course):
    response = rate(signed_in, mini_course.card("b3"), 4, htmx=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "/tracks/async/basics/#card-b3"
    page = signed_in.get(response.headers["Location"]).content.decode()
    assert "Saved: Easy. Next review in 8 days." in page


def test_a_double_posted_rating_counts_once(signed_in, learner, mini_course):
    first = rate(signed_in, mini_course.card("b1"), 3, key="double-click-1")
    second = rate(signed_in, mini_course.card("b1"), 3, key="double-click-1")
    assert first.status_code == second.status_code == 200
    assert ReviewLog.objects.filter(user=learner).count() == 1
    assert CardState.objects.get(user=learner).reps == 1
    assert "Saved: Good" in second.content.decode()


def test_a_visitor_posting_a_rating_is_sent_to_log_in(client, mini_course):
    plain = rate(client, mini_course.card("b1"), 3, htmx=False)
    assert plain.status_code == 302
    assert plain.headers["Location"].startswith(reverse("accounts:login") + "?next=")
    htmx = rate(client, mini_course.card("b1"), 3)
    assert htmx.headers["HX-Redirect"].startswith(reverse("accounts:login"))
    assert not ReviewLog.objects.exists()


def test_malformed_ratings_are_rejected(signed_in, mini_course):
    assert rate(signed_in, mini_course.card("b1"), 7).status_code == 400
    assert rate(signed_in, mini_course.card("b1"), 3, key="<script>").status_code == 400
    response = signed_in.post(reverse("study:rate", args=["b1"]), {"rating": 3})
    assert response.status_code == 400
    assert signed_in.get(reverse("study:rate", args=["b1"])).status_code == 405
    assert rate(signed_in, type("C", (), {"slug": "no-such-card"}), 3).status_code == 404
    assert not ReviewLog.objects.exists()


def test_progress_bars_on_home_track_and_lesson_pages(signed_in, learner, mini_course):
    services.review_record(user=learner, card=mini_course.card("b1"), rating=4)
    services.review_record(user=learner, card=mini_course.card("a1"), rating=3)
    home = signed_in.get(reverse("home")).content.decode()
    assert '2 seen</span> · <span class="legend legend-learned">1 learned' in home
    assert "of 5" in home and "0 seen" in home  # the untouched services track
    track = signed_in.get(mini_course.async_.get_absolute_url()).content.decode()
    assert 'aria-label="2 seen, 1 learned, 0 mastered of 5 cards"' in track
    assert 'aria-label="1 seen, 1 learned, 0 mastered of 3 cards"' in track
    lesson = signed_in.get(mini_course.advanced.get_absolute_url()).content.decode()
    assert 'id="lesson-progress"' in lesson
    assert 'aria-label="1 seen, 0 learned, 0 mastered of 2 cards"' in lesson


@pytest.mark.parametrize("page", ["home", "track", "lesson"])
def test_progress_costs_the_same_queries_however_much_was_studied(
    signed_in, learner, mini_course, django_assert_num_queries, page
):
    url = {
        "home": reverse("home"),
        "track": mini_course.async_.get_absolute_url(),
        "lesson": mini_course.basics.get_absolute_url(),
    }[page]
    signed_in.get(url)  # warm caches (session, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as fresh:
        signed_in.get(url)
    for card in mini_course.cards:
        services.review_record(user=learner, card=card, rating=4)
    with django_assert_num_queries(len(fresh.captured_queries)):
        response = signed_in.get(url)
    assert response.status_code == 200


# Navigation -------------------------------------------------------------------------------


def test_the_nav_counts_due_reviews_plus_todays_new_cards(signed_in, learner, mini_course, clock):
    services.study_plan_set_new_cards(user=learner, new_cards_per_day=4)
    assert badge(signed_in.get(reverse("home")).content.decode()) == 4
    services.review_record(user=learner, card=mini_course.card("b1"), rating=1)  # due in 1 min
    assert badge(signed_in.get(reverse("home")).content.decode()) == 3
    clock.advance(minutes=2)
    assert badge(signed_in.get(reverse("home")).content.decode()) == 4  # b1 is due again


# Review session ---------------------------------------------------------------------------


def test_the_review_session_page_serves_the_first_new_card(signed_in, mini_course):
    response = signed_in.get(reverse("study:review"))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert 'id="review-session"' in html and 'id="card-b1"' in html
    assert (
        "New card" in html and "<strong>0</strong> due · <strong>7</strong> new left today" in html
    )
    assert 'hx-target="#review-session"' in html and 'name="context" value="review"' in html


def test_the_review_session_as_a_partial(signed_in, mini_course):
    response = signed_in.get(reverse("study:review"), headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html and html.strip().startswith('<section id="review-session"')
    assert response.headers["Vary"].count("HX-Request") == 1


def test_rating_in_the_session_brings_the_next_card_then_a_summary(
    signed_in, learner, mini_course, clock
):
    services.study_plan_set_new_cards(user=learner, new_cards_per_day=2)
    since = int(clock().timestamp())
    first = rate(
        signed_in, mini_course.card("b1"), 4, key="sess-00001", context="review", since=since
    )
    html = first.content.decode()
    assert 'id="card-b2"' in html and "Saved: Easy" in html
    assert badge(html) == 1

    second = rate(
        signed_in, mini_course.card("b2"), 1, key="sess-00002", context="review", since=since
    )
    html = second.content.decode()
    # Cap reached; b2's 1-minute step is shown early rather than ending the session.
    assert 'id="card-b2"' in html and "Learning step, shown early" in html

    clock.advance(minutes=1)
    third = rate(
        signed_in, mini_course.card("b2"), 4, key="sess-00003", context="review", since=since
    )
    html = third.content.decode()
    assert "Session complete" in html
    assert re.search(r'id="summary-reviewed">3<', html)
    assert re.search(r'id="summary-again">33%<', html)
    assert re.search(r'id="summary-next">in 1 day<', html)  # b2, relearnt today
    assert "You have met today's 2 new cards" in html


def test_due_cards_come_before_new_ones(signed_in, learner, mini_course, clock):
    services.review_record(user=learner, card=mini_course.card("t1"), rating=4)
    clock.advance(days=9)
    html = signed_in.get(reverse("study:review")).content.decode()
    assert 'id="card-t1"' in html and ">Due<" in html


def test_a_session_limited_to_one_track(signed_in, mini_course):
    html = signed_in.get(reverse("study:review"), {"track": "services"}).content.decode()
    assert 'id="card-t1"' in html and "Services only" in html
    assert 'name="track" value="services"' in html
    assert signed_in.get(reverse("study:review"), {"track": "nope"}).status_code == 404


def test_rating_in_the_session_without_javascript_redirects_to_the_session(
    signed_in, mini_course, clock
):
    since = int(clock().timestamp())
    response = rate(signed_in, mini_course.card("b1"), 3, context="review", since=since, htmx=False)
    assert response.headers["Location"] == f"{reverse('study:review')}?since={since}"
    html = signed_in.get(response.headers["Location"]).content.decode()
    assert "Saved: Good" in html and 'id="card-b2"' in html


def test_the_daily_new_card_limit_can_be_changed_from_the_session(signed_in, learner, mini_course):
    response = signed_in.post(
        reverse("study:new_cards"), {"new_cards_per_day": 0, "next": reverse("study:review")}
    )
    assert response.headers["Location"] == reverse("study:review")
    html = signed_in.get(reverse("study:review")).content.decode()
    assert "Nothing to review right now" in html and "Daily new-card limit: 0" in html
    bad = signed_in.post(reverse("study:new_cards"), {"new_cards_per_day": -1}, follow=True)
    assert "must be a number" in bad.content.decode()


def test_the_review_session_needs_an_account(client, mini_course):
    response = client.get(reverse("study:review"))
    assert response.status_code == 302 and reverse("accounts:login") in response.headers["Location"]


# Dashboard --------------------------------------------------------------------------------


def test_the_dashboard_shows_what_the_learner_did(signed_in, learner, mini_course, clock):
    services.review_record(user=learner, card=mini_course.card("b1"), rating=1)
    services.review_record(user=learner, card=mini_course.card("b2"), rating=4)
    clock.advance(days=1)
    services.review_record(user=learner, card=mini_course.card("b1"), rating=3)
    html = signed_in.get(reverse("study:dashboard")).content.decode()

    assert re.search(r'id="stat-streak">2 days<', html)
    assert re.search(r'id="stat-today">1<', html)
    assert re.search(r'id="stat-seen">2<', html)
    assert "3 in 30 days" in html
    # The chart and its table alternative.
    assert '<svg class="chart daily-chart"' in html and '<title id="daily-title">' in html
    assert "<td>Today</td><td>1</td>" in html
    assert len(re.findall(r'<rect class="bar( bar-today)?" x=', html)) == 30
    # Weakest cards: b1 was rated Again once.
    weakest = html[html.index('id="weak-heading"') :]
    assert "Question number" in weakest and "1 lapse in 2 reviews" in weakest
    # Definitions are written out.
    for term in ("Seen", "Learned", "Mastered", "Streak", "Predicted recall"):
        assert f"<dt>{term}</dt>" in html


def test_setting_the_interview_date_over_htmx_returns_the_readiness_panel(
    signed_in, learner, mini_course, clock
):
    services.review_record(user=learner, card=mini_course.card("b1"), rating=4)
    interview = (clock() + timedelta(days=10)).date()
    response = signed_in.post(
        reverse("study:interview_date"), {"interview_date": interview.isoformat()}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.strip().startswith('<section class="panel" id="readiness"')
    assert "10 days away" in html and "Async" in html and "Services" in html
    assert "Review these to raise it most" in html


def test_setting_the_interview_date_without_javascript(signed_in, learner, mini_course):
    response = signed_in.post(reverse("study:interview_date"), {"interview_date": "2030-01-15"})
    assert response.headers["Location"] == reverse("study:dashboard") + "#readiness"
    assert learner.study_plan.interview_date == date(2030, 1, 15)
    page = signed_in.get(reverse("study:dashboard")).content.decode()
    assert "Predicted recall on Tuesday 15 January 2030" in page


def test_dashboard_queries_do_not_grow_with_history(
    signed_in, learner, mini_course, clock, django_assert_num_queries
):
    services.study_plan_set_interview_date(user=learner, interview_date=date(2026, 6, 1))
    services.mock_create(
        user=learner, tracks=[mini_course.async_], question_count=2, seconds_per_question=60
    )

    def review_days(count: int) -> None:
        for _ in range(count):
            for index, card in enumerate(mini_course.cards):
                services.review_record(user=learner, card=card, rating=1 + index % 4)
            clock.advance(days=1)

    review_days(1)
    signed_in.get(reverse("study:dashboard"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        signed_in.get(reverse("study:dashboard"))
    review_days(20)
    assert ReviewLog.objects.count() == 21 * len(mini_course.cards)
    with django_assert_num_queries(len(small.captured_queries)):
        response = signed_in.get(reverse("study:dashboard"))
    assert response.status_code == 200


# Mock interviews --------------------------------------------------------------------------


def test_a_mock_interview_from_setup_to_results(signed_in, learner, mini_course):
    setup = signed_in.get(reverse("study:mock_new")).content.decode()
    assert "every key point → <strong>Easy</strong>" in setup
    response = signed_in.post(
        reverse("study:mock_new"),
        {"tracks": [mini_course.services.pk], "question_count": 2, "seconds_per_question": 45},
    )
    mock = MockInterview.objects.get(user=learner)
    assert response.headers["Location"] == reverse("study:mock", args=[mock.pk])

    page = signed_in.get(response.headers["Location"]).content.decode()
    assert "Question 1 of 2" in page and 'data-seconds-left="45"' in page and "0:45" in page
    assert "Model answer" not in page

    first = mock.questions.get(position=1)
    revealed = signed_in.post(
        reverse("study:mock_reveal", args=[mock.pk, 1]), {"notes": "Circuit breaker!"}, headers=HTMX
    ).content.decode()
    assert "<html" not in revealed and "Model answer" in revealed
    assert "Circuit breaker!" in revealed and 'name="covered"' in revealed
    if first.card.pitfall_html:
        assert "The tempting wrong answer" in revealed

    after_first = signed_in.post(
        reverse("study:mock_score", args=[mock.pk, 1]), {"covered": [0, 1, 2, 3, 4]}, headers=HTMX
    ).content.decode()
    assert "Question 2 of 2" in after_first

    signed_in.post(reverse("study:mock_reveal", args=[mock.pk, 2]), {"notes": ""})
    done = signed_in.post(reverse("study:mock_score", args=[mock.pk, 2]), {"covered": [0]})
    assert done.headers["Location"] == reverse("study:mock_results", args=[mock.pk])

    results = signed_in.get(done.headers["Location"]).content.decode()
    assert re.search(r'id="mock-scored">2<', results)
    assert re.search(r'id="mock-coverage">60%<', results)  # 6 of 10 points
    assert "rating-chip-4" in results and "rating-chip-1" in results
    assert list(ReviewLog.objects.filter(user=learner).values_list("source", flat=True)) == [
        "mock",
        "mock",
    ]
    dashboard = signed_in.get(reverse("study:dashboard")).content.decode()
    assert reverse("study:mock_results", args=[mock.pk]) in dashboard and "60%" in dashboard


def test_the_last_score_over_htmx_redirects_to_the_results(signed_in, learner, mini_course):
    mock = services.mock_create(
        user=learner, tracks=[mini_course.services], question_count=1, seconds_per_question=30
    )
    response = signed_in.post(reverse("study:mock_score", args=[mock.pk, 1]), {}, headers=HTMX)
    assert response.headers["HX-Redirect"] == reverse("study:mock_results", args=[mock.pk])
    assert signed_in.get(reverse("study:mock", args=[mock.pk])).status_code == 302


def test_a_mock_interview_needs_at_least_one_track(signed_in, mini_course):
    response = signed_in.post(
        reverse("study:mock_new"), {"question_count": 3, "seconds_per_question": 60}
    )
    assert response.status_code == 200 and "This field is required" in response.content.decode()


def test_the_mock_question_as_a_partial_keeps_its_countdown(signed_in, learner, mini_course, clock):
    mock = services.mock_create(
        user=learner, tracks=[mini_course.async_], question_count=2, seconds_per_question=120
    )
    clock.advance(seconds=50)  # a reload keeps the time already used
    response = signed_in.get(reverse("study:mock", args=[mock.pk]), headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html and html.strip().startswith('<section id="mock-stage"')
    assert 'data-seconds-left="70"' in html and "1:10" in html
    assert response.headers["Vary"].count("HX-Request") == 1


def test_the_daily_new_card_limit_can_be_changed_from_the_dashboard(signed_in, learner):
    page = signed_in.get(reverse("study:dashboard")).content.decode()
    assert 'name="new_cards_per_day"' in page and 'value="10"' in page
    response = signed_in.post(
        reverse("study:new_cards"),
        {"new_cards_per_day": 25, "next": reverse("study:dashboard")},
    )
    assert response.headers["Location"] == reverse("study:dashboard")
    assert learner.study_plan.new_cards_per_day == 25
