"""The multi-host layout in miniature (docs/deploy.md): two sandbox workers with different node
names, as on two worker hosts, consume one broker and write to one database. A burst of
submissions from several learners is shared between them, and each submission is graded exactly
once: one claim, one set of results, one task that graded it, in one worker's log."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from apps.exercises.models import Submission
from apps.exercises.services import submission_create
from tests.factories import ExerciseFactory, UserFactory
from tests.integration.stack import wait_for

LEARNERS = 5
EXERCISES = [
    ("javascript", "burst-js-1"),
    ("javascript", "burst-js-2"),
    ("python", "burst-py-1"),
    ("python", "burst-py-2"),
]
CODE = {
    ("javascript", True): "module.exports = { add: (a, b) => a + b };\n",
    ("javascript", False): "module.exports = { add: (a, b) => a - b };\n",
    ("python", True): "def add(a, b):\n    return a + b\n",
    ("python", False): "def add(a, b):\n    return a - b\n",
}
RESULTS = {
    Submission.State.PASSED: ["pass", "pass", "pass"],
    # a - b: 1-2 and -2-(-3) are wrong, 7-0 is right.
    Submission.State.FAILED: ["fail", "fail", "pass"],
}
FINAL_TIMEOUT = 120
SUCCEEDED = re.compile(r"grade_submission\[([0-9a-f-]{36})\] succeeded")


@pytest.fixture
def second_worker(transactional_db, grading_stack):
    """A second worker host: one process, one run at a time."""
    worker = grading_stack.start_extra_worker("w2", concurrency=1)
    yield worker
    worker.stop()


def node_of(submission: Submission) -> str:
    return submission.worker.rsplit(":", 1)[0]  # "node@host:pid"


def test_two_workers_share_a_burst_and_grade_each_submission_once(
    grading_stack, second_worker, password
):
    learners = [
        UserFactory(username=f"burst{i}", password=password, display_name=f"Learner {i}")
        for i in range(LEARNERS)
    ]
    exercises = [ExerciseFactory(language=language, slug=slug) for language, slug in EXERCISES]

    # The burst: every learner submits to every exercise, right or wrong in a fixed pattern.
    # Each submission publishes its grading task when its row is committed, as from the page.
    expected: dict[int, str] = {}
    for i, learner in enumerate(learners):
        for j, exercise in enumerate(exercises):
            right = (i + j) % 2 == 0
            code = CODE[(exercise.language, right)]
            submission = submission_create(user=learner, exercise=exercise, code=code)
            expected[submission.pk] = Submission.State.PASSED if right else Submission.State.FAILED

    burst = Submission.objects.filter(pk__in=expected)
    wait_for(
        lambda: not burst.in_flight().exists(),
        timeout=FINAL_TIMEOUT,
        interval=0.5,
        what=f"the {len(expected)} submissions of the burst to be graded",
    )

    graded = {s.pk: s for s in burst.prefetch_related("results")}
    wrong = {pk: (s.state, s.message) for pk, s in graded.items() if s.state != expected[pk]}
    assert not wrong, f"wrong verdicts: {wrong}"
    for submission in graded.values():
        assert submission.verdict == "ok", (submission.pk, submission.message)
        # Every claim counts an attempt: one attempt = graded by one task, once.
        assert submission.attempts == 1, (submission.pk, submission.attempts, submission.worker)
        statuses = [result.status for result in submission.results.all()]
        assert statuses == RESULTS[submission.state], (submission.pk, statuses)

    # The task that claimed each submission succeeded in exactly one worker's log: the log of
    # the node the row names.
    workers = {grading_stack.node: grading_stack.worker, second_worker.node: second_worker}
    succeeded = {node: set(SUCCEEDED.findall(w.log_text())) for node, w in workers.items()}
    for submission in graded.values():
        logs = sorted(node for node, ids in succeeded.items() if submission.task_id in ids)
        assert logs == [node_of(submission)], (submission.pk, submission.task_id, logs)

    # And both workers took part.
    shares = Counter(node_of(submission) for submission in graded.values())
    assert set(shares) == set(workers), f"graded per node: {dict(shares)}"
