"""Generated exercise runs: learners take hints, fail by submitting one of the exercise's own
wrong solutions (so each failed run is named as that known mistake) and fail the hidden tests
those mistakes typically trip, then pass or give up."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import timedelta

from apps.cohorts.demo.learners import Temperament
from apps.cohorts.demo.writer import BATCH, Writer
from apps.content.models import Exercise
from apps.exercises.models import HintReveal, Submission, TestResult

TEST_NAME = re.compile(r"""(?:\btest|@test)\(\s*(['"`])(.+?)\1""")


def harness_test_names(source: str) -> list[str]:
    """Test names declared in a JavaScript or Python test file of the harness."""
    return [match.group(2) for match in TEST_NAME.finditer(source)]


@dataclass
class ExerciseShape:
    exercise: Exercise
    examples: list[str]
    hidden: list[str]
    weights: list[float]  # how often each hidden test catches a mistake
    file: str
    example_file: str


def exercise_shapes(rng: random.Random) -> list[ExerciseShape]:
    shapes = []
    for exercise in Exercise.objects.live().order_by("order", "slug"):
        hidden = harness_test_names(exercise.hidden_tests) or ["hidden test"]
        shapes.append(
            ExerciseShape(
                exercise=exercise,
                examples=harness_test_names(exercise.example_tests),
                hidden=hidden,
                weights=[rng.betavariate(1.2, 3) for _ in hidden],
                file=f"tests.{exercise.extension}",
                example_file=f"example_test.{exercise.extension}",
            )
        )
    return shapes


def _hints_taken(exercise: Exercise, t: Temperament, help_rng: random.Random) -> int:
    """How many hints a learner of this skill takes on an exercise (before their first run)."""
    if not exercise.hints or help_rng.random() < 0.3 + 0.6 * t.skill:
        return 0
    return help_rng.randint(1, len(exercise.hints))


def practise(
    *,
    writer: Writer,
    user,
    shapes: list[ExerciseShape],
    t: Temperament,
    rng,
    help_rng,
    results: list,
) -> None:
    for shape in shapes:
        if rng.random() > 0.35 + 0.6 * t.diligence:
            continue
        # (name, code): a failed run is one of the exercise's own wrong solutions, so it is
        # named as that known mistake, as a real run of that code would be.
        wrong = list(shape.exercise.wrong_solutions.items()) or [("", shape.exercise.starter_code)]
        hints_taken = _hints_taken(shape.exercise, t, help_rng)
        for rung in range(1, hints_taken + 1):
            writer.add(
                HintReveal(user=user, exercise=shape.exercise, rung=rung, kind=HintReveal.Kind.HINT)
            )
        fails_before_pass = min(int(rng.expovariate(0.3 + 0.9 * t.skill)), 9)
        gives_up = rng.random() > 0.55 + 0.4 * t.skill
        runs = fails_before_pass + (0 if gives_up else 1)
        span = (t.stopped - t.started).total_seconds()
        moment = t.started + timedelta(seconds=rng.uniform(0.1, 0.9) * span)
        for attempt in range(max(runs, 1)):
            passed = attempt == fails_before_pass and not gives_up
            moment = min(moment + timedelta(minutes=rng.uniform(2, 40)), t.stopped)
            failing = set()
            if not passed:
                failing = {
                    i for i, weight in enumerate(shape.weights) if rng.random() < weight + 0.05
                } or {rng.randrange(len(shape.hidden))}
            total = len(shape.examples) + len(shape.hidden)
            passed_count = total - len(failing)
            message = "All tests passed." if passed else f"{passed_count} of {total} tests passed."
            mistake, code = ("", shape.exercise.solution_code) if passed else rng.choice(wrong)
            submission = Submission(
                user=user, exercise=shape.exercise, code=code, mistake=mistake,
                state=Submission.State.PASSED if passed else Submission.State.FAILED,
                message=message,
                verdict="ok", wall_ms=rng.randint(300, 2500), cpu_ms=rng.randint(150, 900),
                attempts=1, review=Submission.Review.RECORDED, created_at=moment,
                enqueued_at=moment, started_at=moment + timedelta(seconds=1),
                finished_at=moment + timedelta(seconds=3),
            )  # fmt: skip
            writer.add(submission)
            results.append((submission, shape, failing))


def write_results(results: list) -> int:
    rows = []
    for submission, shape, failing in results:
        position = 0
        for name in shape.examples:
            rows.append(
                TestResult(submission_id=submission.pk, position=position, name=name,
                           status="pass", file=shape.example_file, is_example=True)
            )  # fmt: skip
            position += 1
        for index, name in enumerate(shape.hidden):
            failed = index in failing
            rows.append(
                TestResult(
                    submission_id=submission.pk, position=position, name=name,
                    status="fail" if failed else "pass",
                    message="AssertionError: the result did not match what was expected"
                    if failed else "",
                    file=shape.file,
                )
            )  # fmt: skip
            position += 1
    for start in range(0, len(rows), BATCH):
        TestResult.objects.bulk_create(rows[start : start + BATCH], batch_size=1000)
    return len(rows)
