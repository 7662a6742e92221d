"""The plan page: full page, htmx partials, plain form posts, and the forecast changing with
the date and the budget."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from apps.study import services
from apps.study.models import StudyPlan

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


def post_plan(client, *, htmx=True, **data):
    fields = {"target_pct": 90, "interview_date": "", "budget_minutes": "", "budget_reviews": ""}
    fields.update(data)
    headers = HTMX if htmx else {}
    return client.post(reverse("study:plan_update"), fields, headers=headers)


def test_plan_page_needs_an_account(client):
    response = client.get(reverse("study:plan"))
    assert response.status_code == 302


def test_plan_page_without_a_date_shows_the_ordinary_schedule(signed_in, mini_course):
    html = signed_in.get(reverse("study:plan")).content.decode()
    assert "<h1>Your plan</h1>" in html
    assert "No interview date yet" in html
    assert 'id="plan-definitions"' in html
    assert "<svg" in html


def test_htmx_get_renders_only_the_plan_body(signed_in, mini_course):
    html = signed_in.get(reverse("study:plan"), headers=HTMX).content.decode()
    assert html.lstrip().startswith('<div id="plan-body">')
    assert "<h1>" not in html


def test_setting_a_date_and_budget_changes_the_forecast(signed_in, learner, mini_course, clock):
    day = (clock.current + timedelta(days=10)).date()
    loose = post_plan(signed_in, interview_date=day.isoformat()).content.decode()
    assert 'id="plan-needed"' in loose
    assert "On track" in loose
    tight = post_plan(signed_in, interview_date=day.isoformat(), budget_reviews=1).content.decode()
    plan = StudyPlan.objects.get(user=learner)
    assert plan.interview_date == day and plan.budget_reviews == 1
    assert "Behind by" in tight
    reached = re.search(r'id="plan-reached">(\d+) %', tight)
    assert reached and int(reached.group(1)) < 90


def test_plain_post_redirects_and_invalid_input_is_explained(signed_in, learner, mini_course):
    response = post_plan(signed_in, htmx=False, target_pct=95, budget_minutes=20)
    assert response.status_code == 302 and response.url == reverse("study:plan")
    plan = StudyPlan.objects.get(user=learner)
    assert plan.target_recall == pytest.approx(0.95) and plan.budget_minutes == 20

    bad = post_plan(signed_in, htmx=False, target_pct=99, days_off="next tuesday")
    html = bad.content.decode()
    assert bad.status_code == 200
    assert "Not a date or a range of dates" in html
    assert "less than or equal to 97" in html


def test_days_off_and_easy_days_are_saved_and_shown(signed_in, learner, mini_course, clock):
    today = clock.current.date()
    html = post_plan(
        signed_in,
        interview_date=(today + timedelta(days=8)).isoformat(),
        budget_reviews=20,
        easy_weekdays=[today.weekday()],
        days_off=f"{today + timedelta(days=1)}..{today + timedelta(days=2)}",
    ).content.decode()
    plan = StudyPlan.objects.get(user=learner)
    assert plan.easy_weekdays == [today.weekday()]
    assert len(plan.days_off) == 2
    assert "(day off)" in html and "(easy day)" in html


def test_the_plan_page_costs_the_same_queries_at_any_history(
    signed_in, learner, mini_course, clock, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.study_plan_set_interview_date(
        user=learner, interview_date=(clock.current + timedelta(days=40)).date()
    )
    with CaptureQueriesContext(connection) as fresh:
        signed_in.get(reverse("study:plan"))
    for card in mini_course.cards:
        for _ in range(3):
            services.review_record(user=learner, card=card, rating=3)
            clock.advance(days=1)
    with django_assert_num_queries(len(fresh.captured_queries)):
        signed_in.get(reverse("study:plan"))


def test_a_date_years_away_is_refused(signed_in, mini_course):
    html = post_plan(signed_in, htmx=False, interview_date="9999-12-31").content.decode()
    assert "within the next two years" in html
