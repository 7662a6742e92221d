"""Who sees what: the lookups every cohort page starts from.

Authorization lives here: `cohort_get` returns a cohort only to its instructor or to staff,
`cohort_learner_get` only a member of that cohort, `cohort_submission_get` only a submission of
that learner. Anything else is a 404, so a wrong id looks like a missing one.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Count, F, QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from apps.cohorts.models import Cohort, Membership
from apps.core import clock
from apps.exercises.models import Submission

User = get_user_model()


def cohorts_visible(*, user) -> QuerySet[Cohort]:
    """Staff: every cohort. Instructors: their own. Learners and visitors: none."""
    if not user.is_authenticated:
        return Cohort.objects.none()
    if user.is_staff:
        return Cohort.objects.all()
    if user.is_instructor:
        return Cohort.objects.filter(instructor=user)
    return Cohort.objects.none()


def cohort_list(*, user) -> list[Cohort]:
    """The cohorts this user follows, each with `learner_count`."""
    return list(
        cohorts_visible(user=user)
        .select_related("instructor")
        .annotate(learner_count=Count("memberships"))
        .order_by(Lower("name"), "pk")
    )


def cohort_get(*, user, pk: int) -> Cohort:
    return get_object_or_404(cohorts_visible(user=user).select_related("instructor"), pk=pk)


def cohort_learner_get(*, cohort: Cohort, user_id: int):
    """A learner of this cohort (404 for anyone else), with `joined_at`."""
    return get_object_or_404(
        User.objects.filter(cohort_memberships__cohort=cohort).annotate(
            joined_at=F("cohort_memberships__joined_at")
        ),
        pk=user_id,
    )


def cohort_submission_get(*, learner, submission_id: int) -> Submission:
    """One of this learner's submissions with its per-test results (404 for anyone else's)."""
    submission = get_object_or_404(
        Submission.objects.filter(user=learner).select_related("exercise"), pk=submission_id
    )
    submission.test_results = list(submission.results.order_by("position"))
    submission.tests_passed = sum(result.passed for result in submission.test_results)
    return submission


def cohort_by_code(*, code: str) -> Cohort:
    return get_object_or_404(Cohort.objects.select_related("instructor"), join_code=code)


def membership_get(*, user, cohort_id: int) -> Membership:
    """The user's own membership of a cohort (404 when they are not in it)."""
    return get_object_or_404(
        Membership.objects.select_related("cohort"), user=user, cohort_id=cohort_id
    )


def is_member(*, user, cohort: Cohort) -> bool:
    return bool(
        user.is_authenticated and Membership.objects.filter(user=user, cohort=cohort).exists()
    )


def memberships_of(*, user) -> list[Membership]:
    """The cohorts a learner belongs to, latest first."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user)
        .select_related("cohort__instructor")
        .order_by("-joined_at", "-pk")
    )


def member_ids(cohort: Cohort) -> QuerySet:
    """The cohort's learners' ids as a subquery, never evaluated on its own: the database joins
    it."""
    return Membership.objects.filter(cohort=cohort).values("user_id")


def cohort_zone(cohort: Cohort) -> ZoneInfo:
    """The cohort's calendar (days of the activity chart): its instructor's time zone."""
    return clock.learner_zone(cohort.instructor) if cohort.instructor else ZoneInfo("UTC")
