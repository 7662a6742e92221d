"""SIGKILL of the whole worker (main process and pool) while a burst of submissions from several
learners is half graded: some running in the jail, some waiting in the queue. The single-run
cases (one pool process, one whole worker) are in tests/integration/test_grading_pipeline.py."""

import time

import pytest

from apps.exercises.models import Submission
from tests.factories import ExerciseFactory
from tests.faults.common import (
    ADDS,
    FINAL_TIMEOUT,
    SLOW_LIMITS,
    SPINS,
    SUBTRACTS,
    assert_graded_once,
    status_partial,
    submit,
    wait_final,
)
from tests.integration.stack import wait_for

pytestmark = pytest.mark.usefixtures("nothing_left_in_flight")


def test_a_worker_killed_mid_burst_loses_nothing_and_grades_each_once(grading_stack, learners):
    exercise = ExerciseFactory(language="javascript", limits=SLOW_LIMITS)
    # Two runs that hold both pool processes, then four that wait in the queue behind them.
    codes = [SPINS, SPINS, ADDS, SUBTRACTS, ADDS, ADDS]
    people = learners(len(codes))
    burst = [
        submit(client, exercise, code) for (_, client), code in zip(people, codes, strict=True)
    ]

    def both_running():
        running = Submission.objects.filter(
            pk__in=[s.pk for s in burst[:2]], state=Submission.State.RUNNING
        ).count()
        return running == 2

    wait_for(both_running, timeout=FINAL_TIMEOUT, interval=0.05, what="two runs in the jail")
    time.sleep(0.5)  # inside the jail by now
    grading_stack.worker.kill()  # SIGKILL to the main process and its pool: a crashed host
    try:
        # With no worker at all, every learner's page still answers, saying what it waits for.
        for (_, client), submission in zip(people, burst, strict=True):
            html = status_partial(client, submission)
            assert "Running the tests" in html or "Waiting for a grader" in html, html
    finally:
        grading_stack.worker.start(ready_text=" ready.", timeout=90)

    spun, spun_too, *rest = wait_final(*burst)
    for submission in (spun, spun_too):
        assert submission.attempts >= 2, "the killed run was picked up again"
        assert submission.state in (Submission.State.FAILED, Submission.State.ERROR)
        # Stopped by its CPU limit, or by its wall limit when the two spinning runs share a
        # loaded machine's cores (or, under heavy contention, the jail's SIGKILL read as a
        # crash): either way a final verdict that says why.
        assert submission.verdict in ("time_limit", "runtime_error"), submission.verdict
        assert any(
            why in submission.message for why in ("CPU time", "ran out of time", "SIGKILL")
        ), submission.message
    expected = [Submission.State.PASSED, Submission.State.FAILED] + [Submission.State.PASSED] * 2
    assert [s.state for s in rest] == expected, [(s.state, s.message) for s in rest]
    for submission in [spun, spun_too, *rest]:
        assert_graded_once(submission)
    for submission in rest:
        assert submission.results.count() == 3, "one grading's results, not two"
    # And what each learner sees is the verdict.
    for (_, client), submission in zip(people, [spun, spun_too, *rest], strict=True):
        html = status_partial(client, submission)
        assert "hx-trigger" not in html.split('id="history"')[0], "polling stops when final"
