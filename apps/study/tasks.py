"""Background work for the study app: fitting memory models. Thin tasks over apps/study/fits.py;
a fit never runs inside a request. Running one twice only keeps one more fit row."""

from __future__ import annotations

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction

from apps.study import fits

logger = logging.getLogger(__name__)

PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


@shared_task(ignore_result=True, time_limit=600, soft_time_limit=540)
def memory_fit_learner(user_id: int) -> int | None:
    """Fit one learner's parameters; returns the fit's id (None if the learner is gone)."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return None
    return fits.memory_fit_learner(user=user).pk


@shared_task(ignore_result=True, time_limit=1800, soft_time_limit=1700)
def memory_fit_nightly() -> int:
    """Beat, nightly: the population fit first (the yardstick every learner's fit is compared
    with), then a fit for each learner with enough new reviews. Returns how many were queued."""
    fits.memory_fit_population()
    learners = fits.learners_due_a_fit()
    for user_id in learners:
        memory_fit_learner.delay(user_id)
    return len(learners)


def memory_fit_enqueue_on_commit(*, user_id: int) -> None:
    """Queue a learner's fit once the review that triggered it is committed. A broker outage
    never fails the review: the nightly job fits the learner anyway."""

    def publish() -> None:
        try:
            memory_fit_learner.apply_async(
                (user_id,), retry=True, retry_policy=PUBLISH_RETRY_POLICY
            )
        except Exception as exc:  # noqa: BLE001 - any broker failure
            logger.warning(
                "memory fit for learner %s not queued (%s); nightly fit will", user_id, exc
            )

    transaction.on_commit(publish)
