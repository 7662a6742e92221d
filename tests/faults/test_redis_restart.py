"""Redis stopped and started again while a burst of submissions is being created and graded.
(The single submission made while Redis is down is in tests/integration/test_grading_pipeline.py.)
"""

import pytest

from apps.exercises.models import Submission
from tests.factories import ExerciseFactory
from tests.faults.common import ADDS, assert_graded_once, status_partial, submit, wait_final

pytestmark = pytest.mark.usefixtures("nothing_left_in_flight")

UNREACHABLE = "queue is unreachable"


def test_a_redis_restart_mid_burst_loses_nothing_and_the_stack_recovers_alone(
    grading_stack, learners
):
    exercise = ExerciseFactory(language="javascript")
    before, during, after = learners(3), learners(3), learners(1)

    # Some submissions are published and being graded when Redis goes away...
    first = [submit(client, exercise, ADDS) for _, client in before]
    grading_stack.redis.stop()
    try:
        # ...and the learners who submit while it is down get the page, not an error.
        second = []
        for _, client in during:
            submission = submit(client, exercise, ADDS)
            second.append(submission)
            submission.refresh_from_db()
            assert submission.state == Submission.State.QUEUED
            page = client.get(f"{exercise.get_absolute_url()}?submission={submission.pk}")
            assert page.status_code == 200
            assert UNREACHABLE in page.content.decode()
            assert UNREACHABLE in status_partial(client, submission)
        for (_, client), submission in zip(before, first, strict=True):
            status_partial(client, submission)
    finally:
        grading_stack.redis.start()

    # Nobody restarts the worker or beat: they reconnect, and the sweep publishes what the
    # broker refused.
    graded = wait_final(*first, *second)
    assert [s.state for s in graded] == [Submission.State.PASSED] * len(graded), [
        (s.pk, s.state, s.message) for s in graded
    ]
    for submission in graded:
        assert_graded_once(submission)
        assert submission.results.count() == 3
    for (_, client), submission in zip(during, second, strict=True):
        assert "All 3 tests passed" in status_partial(client, submission)

    # A learner arriving after the restart is graded as usual.
    ((_, client),) = after
    (late,) = wait_final(submit(client, exercise, ADDS))
    assert late.state == Submission.State.PASSED, late.message
