"""Memory fits run in the real Celery worker, never in the request: the review that completes
a few hundred queues the learner's fit after commit; the nightly job fits the population and
the learners with enough new reviews."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.study import fits, services
from apps.study.models import MemoryFit, ReviewLog
from tests.factories import CardFactory, LessonFactory
from tests.integration.stack import wait_for
from tests.study.simulated import FAST_FORGETTER, insert_log, simulate_log


@pytest.fixture
def history(transactional_db, grading_stack, learner):
    lesson = LessonFactory()
    cards = [CardFactory(lesson=lesson) for _ in range(120)]
    rows = simulate_log(true_w=FAST_FORGETTER, cards=120, days=60, seed=4)
    end = timezone.now() - timedelta(hours=1)
    insert_log(user=learner, cards=cards, rows=rows, end=end, days=60)
    return cards


def test_the_review_that_completes_a_few_hundred_queues_a_fit_in_the_worker(
    history, learner, settings
):
    settings.STUDY_FIT_EVERY_REVIEWS = ReviewLog.objects.filter(user=learner).count() + 1
    assert not MemoryFit.objects.exists()

    services.review_record(user=learner, card=history[0], rating=3)

    wait_for(
        lambda: MemoryFit.objects.filter(user=learner).exists(),
        timeout=90,
        what="the worker to store the learner's fit",
    )
    fit = MemoryFit.objects.get(user=learner)
    assert fit.adopted, fit.note
    assert fit.test_items > 0 and fit.log_loss < fit.previous_log_loss
    assert fits.memory_in_use(user=learner).kind == "own"


def test_the_nightly_job_fits_the_population_then_the_learners(history, learner):
    from apps.study.tasks import memory_fit_nightly

    memory_fit_nightly.delay()

    wait_for(
        lambda: (
            MemoryFit.objects.filter(user__isnull=True).exists()
            and MemoryFit.objects.filter(user=learner).exists()
        ),
        timeout=120,
        what="the population fit and the learner's fit",
    )
    population = MemoryFit.objects.get(user__isnull=True)
    assert population.reviews == ReviewLog.objects.count()
    mine = MemoryFit.objects.get(user=learner)
    assert mine.population_log_loss is not None  # judged against the population fit
