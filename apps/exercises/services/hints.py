"""The help ladder's writes: revealing the next rung (a hint, then the code of a failing hidden
test) and giving up (the last rung, the reference solution). Help taken lowers the review a
later submission records (apps/exercises/coaching.py)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from apps.content.models import Exercise
from apps.exercises.models import GiveUp, HintReveal, Submission, TestResult


class HintUnavailable(Exception):
    """No further rung can be revealed now; `str(exc)` says why, for the learner."""


def hint_reveal(*, user, exercise: Exercise) -> HintReveal:
    """Reveal the next rung of help: the next hint, then the code of the first hidden test the
    learner's latest graded submission fails. (The last rung, the solution, is a give-up.)
    Idempotent under a double click: the rung number is unique per learner and exercise."""
    taken = HintReveal.objects.filter(user=user, exercise=exercise).count()
    hints = list(exercise.hints or [])
    rung = taken + 1
    if rung <= len(hints):
        fields: dict[str, object] = {"kind": HintReveal.Kind.HINT}
    elif rung == len(hints) + 1:
        failing = (
            TestResult.objects.filter(
                submission__user=user,
                submission__exercise=exercise,
                submission__state__in=(Submission.State.FAILED, Submission.State.ERROR),
                submission__retryable=False,
                is_example=False,
            )
            .exclude(status=TestResult.Status.PASS)
            .order_by("-submission__created_at", "-submission_id", "position")
            .values_list("name", "submission_id")
            .first()
        )
        latest = (
            Submission.objects.filter(user=user, exercise=exercise)
            .final()
            .exclude(state=Submission.State.ERROR, retryable=True)
            .values_list("pk", flat=True)
            .first()
        )
        if failing is None or failing[1] != latest:
            raise HintUnavailable(
                "Submit your code first: this step shows the code of the first hidden test "
                "your latest submission fails."
            )
        fields = {"kind": HintReveal.Kind.TEST, "test_name": failing[0]}
    else:
        raise HintUnavailable("You have taken every hint; the last step is the solution.")
    try:
        with transaction.atomic():
            return HintReveal.objects.create(user=user, exercise=exercise, rung=rung, **fields)
    except IntegrityError:  # a second click raced this one: the rung is already revealed
        return HintReveal.objects.get(user=user, exercise=exercise, rung=rung)


def exercise_give_up(*, user, exercise: Exercise) -> GiveUp:
    """Record that the learner asked for the reference solution (idempotent)."""
    give_up, _ = GiveUp.objects.get_or_create(user=user, exercise=exercise)
    return give_up
