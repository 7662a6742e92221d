"""What a learner may send to the grader now, for submissions and example runs alike: code that
is neither empty nor larger than EXERCISE_CODE_MAX_BYTES, one run of an exercise in flight, and
at most a number of runs per minute (the per-minute cap). Each kind keeps its own numbers and
words; the rules are written here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from apps.content.models import Exercise
from apps.exercises.models import Submission

CAP_WINDOW = timedelta(minutes=1)


class SubmissionRefused(Exception):
    """A submission (or example run) the learner may not make now; `str(exc)` is the message to
    show them."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason  # "in_flight", "rate_limited", "too_large", "empty", "final"


def code_normalised(code: str) -> str:
    # Browsers submit textareas with CRLF line endings.
    return code.replace("\r\n", "\n").replace("\r", "\n")


def code_size_check(*, code: str, too_large: str) -> None:
    """Refuse empty code, and code over EXERCISE_CODE_MAX_BYTES with `too_large` (a format
    string with {size} and {limit}, in KB)."""
    max_bytes = settings.EXERCISE_CODE_MAX_BYTES
    size = len(code.encode())
    if not code.strip():
        raise SubmissionRefused("There is no code to run yet.", reason="empty")
    if size > max_bytes:
        raise SubmissionRefused(
            too_large.format(size=size // 1024, limit=max_bytes // 1024), reason="too_large"
        )


@dataclass(frozen=True)
class RecentRuns:
    """A learner's rows of one kind: how many started within the cap's window (and when the
    oldest of those did), and how many of one exercise are in flight or retryable."""

    recent: int
    oldest_recent: datetime | None
    in_flight: int
    retryable: int = 0


def recent_runs(*, rows: QuerySet, exercise: Exercise, retryable: bool = False) -> RecentRuns:
    """One query over `rows` (one learner's submissions or example runs)."""
    since = timezone.now() - CAP_WINDOW
    counts = {
        "recent": Count("pk", filter=Q(created_at__gte=since)),
        "oldest_recent": Min("created_at", filter=Q(created_at__gte=since)),
        "in_flight": Count("pk", filter=Q(exercise=exercise, state__in=Submission.IN_FLIGHT)),
    }
    if retryable:
        counts["retryable"] = Count("pk", filter=Q(exercise=exercise, retryable=True))
    return RecentRuns(**rows.aggregate(**counts))


def per_minute_cap_check(*, runs: RecentRuns, per_minute: int, refusal: str) -> None:
    """Refuse a run past the cap with `refusal` (a format string with {per_minute} and
    {seconds}, the wait until the oldest run in the window leaves it)."""
    if runs.recent < per_minute or runs.oldest_recent is None:
        return
    left = runs.oldest_recent + CAP_WINDOW - timezone.now()
    seconds = max(1, int(left.total_seconds()) + 1)
    raise SubmissionRefused(
        refusal.format(per_minute=per_minute, seconds=seconds), reason="rate_limited"
    )
