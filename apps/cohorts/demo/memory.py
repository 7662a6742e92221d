"""Memory models for the demo (issue 16): the demo learner's own long history, and fitted
models for the population and each member, so a newcomer sees fits right after `make run`."""

from __future__ import annotations

import random
from datetime import UTC, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from apps.cohorts.demo.learners import Temperament
from apps.cohorts.demo.reviews import course_cards, study_history
from apps.cohorts.demo.writer import Writer
from apps.cohorts.models import Cohort, Membership
from apps.core import clock
from apps.study import fits
from apps.study.models import ReviewLog, StudyPlan

User = get_user_model()


def demo_learner_history(
    *, user, cohort: Cohort | None = None, days: int = 90, seed: int = 2, now=None
) -> int:
    """Give the demo learner account `days` of reviews (diligent, and forgetting faster than
    FSRS's defaults assume, so their own fit has something to learn), enough for a fitted
    memory model, and make them a member of `cohort` (so its interview date drives their plan).
    Does nothing to the history when they already have reviews. Returns the reviews written."""
    now = (now or clock.now()).astimezone(UTC)
    if cohort is not None and not Membership.objects.filter(cohort=cohort, user=user).exists():
        Membership.objects.create(cohort=cohort, user=user, joined_at=now - timedelta(days=days))
    if ReviewLog.objects.filter(user=user).exists():
        return 0
    course = course_cards()
    rng = random.Random(seed)
    temperament = Temperament(
        diligence=0.85, skill=0.6, started=now - timedelta(days=days), stopped=now
    )
    writer = Writer()
    with transaction.atomic():
        StudyPlan.objects.get_or_create(user=user)
        study_history(writer=writer, user=user, cards=course, t=temperament, rng=rng, now=now)
        writer.flush()
    return writer.counts[ReviewLog]


def demo_memory_fits(*, cohort: Cohort) -> tuple[bool, int, int]:
    """Fit the population's parameters, then each member's (what the nightly job does), so a
    newcomer sees fitted models right after `make run`. Returns (population adopted, members
    with their own adopted fit, members)."""
    population = fits.memory_fit_population()
    members = list(User.objects.filter(cohort_memberships__cohort=cohort))
    adopted = sum(fits.memory_fit_learner(user=user).adopted for user in members)
    return population.adopted, adopted, len(members)
