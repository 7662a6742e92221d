"""A cohort's interview date feeds the readiness view of learners who set none themselves."""

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.cohorts import services
from apps.study import selectors as study_selectors
from apps.study import services as study
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_readiness_uses_the_cohort_date_until_the_learner_sets_one(
    client, cohort, member, course_small, clock
):
    day = clock().date() + timedelta(days=20)
    services.cohort_update(cohort=cohort, name=cohort.name, interview_date=day)
    board = study_selectors.dashboard(user=member, now=clock())
    assert board.readiness.interview_date == day
    assert board.readiness.days_left == 20

    own = clock().date() + timedelta(days=5)
    study.study_plan_set_interview_date(user=member, interview_date=own)
    assert study_selectors.dashboard(user=member, now=clock()).readiness.interview_date == own

    client.force_login(member)
    study.study_plan_set_interview_date(user=member, interview_date=None)
    page = client.get(reverse("study:dashboard")).content.decode()
    assert f'value="{day:%Y-%m-%d}"' in page


def test_a_past_cohort_date_or_no_cohort_means_no_date(cohort, member, learner, clock):
    services.cohort_update(
        cohort=cohort, name=cohort.name, interview_date=clock().date() - timedelta(days=1)
    )
    assert study_selectors.dashboard(user=member, now=clock()).readiness.interview_date is None


# Readiness on the cohort's date (issue 16) -------------------------------------------------


def test_cohort_readiness_tells_who_is_on_track_and_who_is_behind(
    client, instructor, cohort, member, other_learner, course_small, clock
):
    from apps.cohorts.readiness import cohort_readiness

    MembershipFactory(cohort=cohort, user=other_learner)
    services.cohort_update(
        cohort=cohort, name=cohort.name, interview_date=clock().date() + timedelta(days=12)
    )
    # The member studies every card and has no budget; the other learner allows one review a
    # day, which cannot cover the course by the date.
    for card in course_small.cards:
        study.review_record(user=member, card=card, rating=3)
    study.study_plan_update(
        user=other_learner, interview_date=None, target_recall=0.9, budget_minutes=None,
        budget_reviews=1,
    )  # fmt: skip

    report = cohort_readiness(cohort=cohort, now=clock())

    by_name = {r.username: r for r in report.learners}
    assert by_name[member.username].on_track
    assert not by_name[other_learner.username].on_track
    assert report.behind[0].username == other_learner.username

    client.force_login(instructor)
    page = client.get(reverse("cohorts:readiness", args=[cohort.pk])).content.decode()
    assert "1</strong> of 2 learners on track" in page
    partial = client.get(
        reverse("cohorts:readiness", args=[cohort.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert partial.lstrip().startswith('<section class="panel" id="cohort-readiness"')
    dashboard = client.get(cohort.get_absolute_url()).content.decode()
    assert reverse("cohorts:readiness", args=[cohort.pk]) in dashboard
    csv_text = b"".join(
        client.get(reverse("cohorts:export_readiness", args=[cohort.pk])).streaming_content
    ).decode()
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("learner,name,interview_date,target_pct")
    assert len(lines) == 3 and ",no," in csv_text and ",yes," in csv_text


def test_readiness_is_for_the_cohorts_instructor_only(client, cohort, learner, other_learner):
    client.force_login(other_learner)
    assert client.get(reverse("cohorts:readiness", args=[cohort.pk])).status_code == 404
    assert client.get(reverse("cohorts:export_readiness", args=[cohort.pk])).status_code == 404
