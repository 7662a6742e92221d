"""The demo cohort: an instructor's cohort of generated learners, each with a review history
and exercise runs, written in one transaction; and its removal."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from apps.cohorts import services
from apps.cohorts.demo.exercises import exercise_shapes, practise, write_results
from apps.cohorts.demo.learners import ZONES, names, temperament_draw
from apps.cohorts.demo.reviews import course_cards, study_history
from apps.cohorts.demo.writer import Writer, keep_given_timestamps
from apps.cohorts.models import Cohort, Membership
from apps.core import clock
from apps.exercises.models import Submission, TestResult
from apps.study.models import CardState, ReviewLog, StudyPlan

User = get_user_model()

DEMO_COHORT = "Demo cohort"


@dataclass
class SeedSummary:
    cohort: Cohort
    learners: int
    reviews: int
    card_states: int
    submissions: int
    created: bool = True


def demo_cohort_seed(
    *,
    instructor,
    learners: int,
    days: int,
    name: str = DEMO_COHORT,
    cards: int | None = None,
    username_prefix: str = "demo",
    seed: int = 1,
    now: datetime | None = None,
) -> SeedSummary:
    """Create cohort `name` for `instructor` with `learners` generated learners and `days` of
    history over the first `cards` live cards (all by default). Does nothing when the instructor
    already has a cohort of that name (returns it with created=False)."""
    existing = Cohort.objects.filter(instructor=instructor, name=name).first()
    if existing is not None:
        return SeedSummary(existing, existing.memberships.count(), 0, 0, 0, created=False)
    now = (now or clock.now()).astimezone(UTC)
    rng = random.Random(seed)
    help_rng = random.Random(seed + 1)  # hints: their own stream, the history stays as it was
    course = course_cards()
    if cards is not None:
        course = course[:cards]
    if not course:
        raise ValueError("no cards: import the course first (manage.py import_content)")
    with transaction.atomic():
        cohort = services.cohort_create(
            instructor=instructor,
            name=name,
            interview_date=(now + timedelta(days=max(14, days // 2))).date(),
        )
        tag = f"{username_prefix}-{cohort.pk}"
        password = make_password(None)  # unusable, shared: hashing once per learner is slow
        users = User.objects.bulk_create(
            User(
                username=f"{tag}-{number:05d}",
                display_name=display,
                password=password,
                time_zone=rng.choice(ZONES),
                date_joined=now - timedelta(days=days),
            )
            for number, display in enumerate(names(rng, learners), start=1)
        )
        if not all(user.pk for user in users):  # backends without RETURNING ids
            users = list(User.objects.filter(username__startswith=f"{tag}-").order_by("username"))
        Membership.objects.bulk_create(
            Membership(cohort=cohort, user=user, joined_at=user.date_joined) for user in users
        )
        StudyPlan.objects.bulk_create(StudyPlan(user=user) for user in users)
        writer = Writer()
        shapes = exercise_shapes(rng)
        results: list = []
        with keep_given_timestamps():
            for user in users:
                temperament = temperament_draw(rng, now, days)
                study_history(
                    writer=writer, user=user, cards=course, t=temperament, rng=rng, now=now
                )
                practise(
                    writer=writer, user=user, shapes=shapes, t=temperament, rng=rng,
                    help_rng=help_rng, results=results,
                )  # fmt: skip
            writer.flush()
        write_results(results)
    return SeedSummary(
        cohort=cohort,
        learners=len(users),
        reviews=writer.counts[ReviewLog],
        card_states=writer.counts[CardState],
        submissions=writer.counts[Submission],
    )


def demo_cohort_delete(*, instructor, name: str = DEMO_COHORT, username_prefix: str = "demo"):
    """Remove a generated cohort and its generated learners (with their history)."""
    cohort = Cohort.objects.filter(instructor=instructor, name=name).first()
    if cohort is None:
        return 0
    with transaction.atomic():
        generated = User.objects.filter(
            cohort_memberships__cohort=cohort,
            username__startswith=f"{username_prefix}-{cohort.pk}-",
        )
        ids = list(generated.values_list("pk", flat=True))
        TestResult.objects.filter(submission__user_id__in=ids).delete()
        Submission.objects.filter(user_id__in=ids).delete()
        User.objects.filter(pk__in=ids).delete()
        cohort.delete()
    return len(ids)
