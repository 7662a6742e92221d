"""The grading pipeline end to end: Django's views (test client) publish to a real Redis, a real
`celery worker` grades in the real jail and writes to the test database, `celery beat` runs the
sweep. Then the failure cases: a worker killed mid-run (pool process, then the whole worker) and
Redis stopped while a learner submits."""

import os
import signal
import time

import pytest
from django.urls import reverse

from apps.exercises.models import ExampleRun, Submission
from tests.factories import ExerciseFactory
from tests.integration.stack import wait_for

# The worker's patience for a killed run is 12 s (stack.SWEEP_ENV); runs here take seconds.
FINAL_TIMEOUT = 90

SUBTRACTS = "module.exports = { add: (a, b) => a - b };\n"
ADDS = "module.exports = { add: (a, b) => a + b };\n"
# Burns CPU until the jail's limit stops it: long enough to be killed mid-run.
SPINS = "module.exports = { add: (a, b) => { for (;;) {} } };\n"
SLOW_LIMITS = {"cpu_seconds": 4, "wall_seconds": 6, "test_timeout_seconds": 4}

pytestmark = pytest.mark.usefixtures("nothing_left_in_flight")


@pytest.fixture
def ada(client, learner, password, transactional_db, grading_stack):
    client.login(username=learner.username, password=password)
    return client


def submit(client, exercise, code) -> Submission:
    response = client.post(reverse("exercises:submit", args=[exercise.slug]), {"code": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Submission.objects.filter(exercise=exercise).order_by("-pk").first()


def wait_final(submission: Submission, timeout: float = FINAL_TIMEOUT) -> Submission:
    def final():
        submission.refresh_from_db()
        return submission.is_final

    wait_for(final, timeout=timeout, what=f"submission {submission.pk} to be graded")
    return submission


def wait_running(submission: Submission) -> Submission:
    def running():
        submission.refresh_from_db()
        return submission.state == Submission.State.RUNNING and submission.worker

    wait_for(running, timeout=FINAL_TIMEOUT, interval=0.05, what="the worker to claim it")
    return submission


def test_submit_is_graded_by_the_worker_and_the_verdict_is_visible(ada, learner):
    exercise = ExerciseFactory(language="javascript")

    wrong = wait_final(submit(ada, exercise, SUBTRACTS))
    assert wrong.state == Submission.State.FAILED, wrong.message
    assert wrong.verdict == "ok" and wrong.wall_ms is not None and wrong.cpu_ms is not None
    results = {r.name: r.status for r in wrong.results.all()}
    assert results == {
        "adds two small numbers": "fail",
        "adds negative numbers": "fail",
        "adding zero changes nothing": "pass",
    }
    html = ada.get(f"{exercise.get_absolute_url()}?submission={wrong.pk}").content.decode()
    assert "1 of 3 tests passed" in html and "add(1, 2) should be 3" in html

    right = wait_final(submit(ada, exercise, ADDS))
    assert right.state == Submission.State.PASSED, right.message
    partial = ada.get(
        reverse("exercises:submission", args=[right.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert "All 3 tests passed" in partial and "Reference solution" in partial
    assert "hx-trigger" not in partial.split('id="history"')[0], "polling stops when final"


def test_python_submissions_are_graded_too(ada):
    exercise = ExerciseFactory(language="python")
    submission = wait_final(submit(ada, exercise, "def add(a, b):\n    return a + b\n"))
    assert submission.state == Submission.State.PASSED, submission.message
    outputs = {r.name: r.output for r in submission.results.all()}
    assert "checking zero" in outputs["adding zero changes nothing"]


def test_a_fake_pass_printed_on_stdout_does_not_pass(ada):
    exercise = ExerciseFactory(language="javascript")
    code = "console.log('ok 1 - all tests passed'); process.exit(0);\n"
    submission = wait_final(submit(ada, exercise, code))
    assert submission.state != Submission.State.PASSED


def _waiting_jails(pid: int) -> list[int]:
    """bubblewrap processes started by the worker process `pid` (its jail built ahead)."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as handle:
            for child in handle.read().split():
                with open(f"/proc/{child}/comm") as comm:
                    if comm.read().strip() == "bwrap":
                        found.append(int(child))
    return found


def test_a_pool_process_keeps_the_next_jail_waiting_and_it_dies_with_the_process(ada):
    exercise = ExerciseFactory(language="python")
    graded = wait_final(submit(ada, exercise, "def add(a, b):\n    return a + b\n"))
    assert graded.state == Submission.State.PASSED, graded.message
    pid = int(graded.worker.rsplit(":", 1)[1])
    wait_for(lambda: _waiting_jails(pid), timeout=10, what="a jail built ahead")
    waiting = _waiting_jails(pid)
    assert len(waiting) == 1, "one jail waits per worker process, not one per run"

    os.kill(pid, signal.SIGKILL)

    def gone():
        return not any(os.path.exists(f"/proc/{jail}") for jail in waiting)

    wait_for(gone, timeout=10, what="the waiting jail to die with its worker process")
    again = wait_final(submit(ada, exercise, "def add(a, b):\n    return a + b\n"))
    assert again.state == Submission.State.PASSED, again.message


def test_killing_the_pool_process_mid_run_redelivers_the_task(ada, grading_stack):
    exercise = ExerciseFactory(language="javascript", limits=SLOW_LIMITS)
    submission = wait_running(submit(ada, exercise, SPINS))
    time.sleep(0.5)  # inside the jail by now
    pid = int(submission.worker.rsplit(":", 1)[1])
    os.kill(pid, signal.SIGKILL)

    submission = wait_final(submission)
    assert submission.attempts >= 2, "the redelivered task picked the running row up again"
    assert submission.state in (Submission.State.FAILED, Submission.State.ERROR)
    assert submission.verdict == "time_limit", (submission.verdict, submission.message)
    assert submission.results.exists() or submission.message


def test_killing_the_whole_worker_mid_run_is_recovered_by_the_sweep(ada, grading_stack):
    exercise = ExerciseFactory(language="javascript", limits=SLOW_LIMITS)
    submission = wait_running(submit(ada, exercise, SPINS))
    time.sleep(0.5)
    grading_stack.worker.kill()  # SIGKILL to the main process and its pool
    grading_stack.worker.start(ready_text=" ready.", timeout=90)

    submission = wait_final(submission)
    assert submission.attempts >= 2
    assert submission.state in (Submission.State.FAILED, Submission.State.ERROR)


def test_with_redis_down_the_submission_waits_and_is_graded_once_it_is_back(ada, grading_stack):
    exercise = ExerciseFactory(language="javascript")
    grading_stack.redis.stop()
    try:
        started = time.monotonic()
        submission = submit(ada, exercise, ADDS)  # must not 500
        assert time.monotonic() - started < 10, "the page must not hang on a dead broker"
        submission.refresh_from_db()
        assert submission.state == Submission.State.QUEUED
        assert submission.enqueued_at is None
        page = ada.get(f"{exercise.get_absolute_url()}?submission={submission.pk}")
        assert page.status_code == 200
        assert "queue is unreachable" in page.content.decode()
    finally:
        grading_stack.redis.start()

    submission = wait_final(submission)
    assert submission.state == Submission.State.PASSED, submission.message


def run_examples(client, exercise, code) -> ExampleRun:
    response = client.post(reverse("exercises:examples", args=[exercise.slug]), {"code": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ExampleRun.objects.filter(exercise=exercise).order_by("-pk").first()


def wait_example_run(run: ExampleRun, *, running: bool = False) -> ExampleRun:
    def reached():
        run.refresh_from_db()
        return (
            (run.state == ExampleRun.State.RUNNING and run.worker)
            if running
            else not (run.is_in_flight)
        )

    wait_for(reached, timeout=FINAL_TIMEOUT, interval=0.05, what=f"example run {run.pk}")
    return run


def test_run_examples_is_graded_by_the_worker_on_the_example_test_only(ada, learner):
    exercise = ExerciseFactory(language="javascript")
    run = wait_example_run(run_examples(ada, exercise, SUBTRACTS))
    assert run.state == ExampleRun.State.FAILED, run.message
    assert [row["name"] for row in run.results] == ["adds two small numbers"]
    assert not Submission.objects.exists()
    run = wait_example_run(run_examples(ada, exercise, ADDS))
    assert run.state == ExampleRun.State.PASSED, run.message
    html = ada.get(f"{exercise.get_absolute_url()}?example_run={run.pk}").content.decode()
    assert "Examples: passed" in html and "No submissions yet." in html


def test_killing_the_pool_process_mid_example_run_redelivers_it(ada, grading_stack):
    exercise = ExerciseFactory(language="javascript", limits=SLOW_LIMITS)
    run = wait_example_run(run_examples(ada, exercise, SPINS), running=True)
    time.sleep(0.5)  # inside the jail by now
    os.kill(int(run.worker.rsplit(":", 1)[1]), signal.SIGKILL)

    run = wait_example_run(run)
    assert run.attempts >= 2, "the redelivered task picked the running row up again"
    assert run.state in (ExampleRun.State.FAILED, ExampleRun.State.ERROR)
    assert run.verdict == "time_limit", (run.verdict, run.message)
