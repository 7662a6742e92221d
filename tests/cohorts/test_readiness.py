"""A cohort's interview date feeds the readiness view of learners who set none themselves."""

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.cohorts import services
from apps.study import selectors as study_selectors
from apps.study import services as study

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
