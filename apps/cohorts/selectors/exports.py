"""The cohort's exports, streamed: progress per (learner, lesson) and every submission. The
views write them as CSV (apps.core.csv_export)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from apps.cohorts.models import Cohort
from apps.cohorts.selectors.access import member_ids
from apps.cohorts.selectors.heatmap import cells_by_learner, cohort_lessons, heat_row
from apps.content.models import Lesson
from apps.exercises.models import Submission, TestResult
from apps.study.selectors import Progress

User = get_user_model()

EXPORT_CHUNK = 500


def export_progress_rows(*, cohort: Cohort) -> Iterator[tuple[object, Lesson, Progress]]:
    """(learner, lesson, progress) for every learner and live lesson, learners by username.
    Streams: learners are read in chunks, each chunk's cells by the heatmap's own query."""
    lessons = cohort_lessons()
    learners = (
        User.objects.filter(cohort_memberships__cohort=cohort)
        .only("pk", "username", "display_name")
        .order_by("username", "pk")
    )
    chunk: list = []
    for learner in learners.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(learner)
        if len(chunk) == EXPORT_CHUNK:
            yield from _progress_chunk(chunk, lessons)
            chunk = []
    if chunk:
        yield from _progress_chunk(chunk, lessons)


def _progress_chunk(learners: list, lessons: list[Lesson]) -> Iterable:
    cells = cells_by_learner([learner.pk for learner in learners])
    for learner in learners:
        row = heat_row(
            learner=learner,
            lessons=lessons,
            cells=cells.get(learner.pk, {}),
            last_active=None,
            metric="mastered",
        )
        for cell in row.cells:
            yield learner, cell.lesson, cell.progress


def export_submissions(*, cohort: Cohort) -> Iterator[Submission]:
    """Every submission of the cohort's learners, oldest first, with `tests_passed`,
    `tests_total` and `failed_names` (the failed tests, in order)."""
    submissions = (
        Submission.objects.filter(user_id__in=member_ids(cohort))
        .select_related("user", "exercise")
        .only(
            "pk", "state", "verdict", "created_at", "finished_at", "wall_ms",
            "user__username", "user__display_name", "exercise__slug",
        )
        .annotate(
            tests_passed=Count("results", filter=Q(results__status=TestResult.Status.PASS)),
            tests_total=Count("results"),
        )
        .order_by("created_at", "pk")
    )  # fmt: skip
    batch: list[Submission] = []
    for submission in submissions.iterator(chunk_size=EXPORT_CHUNK):
        batch.append(submission)
        if len(batch) == EXPORT_CHUNK:
            yield from _with_failed_names(batch)
            batch = []
    if batch:
        yield from _with_failed_names(batch)


def _with_failed_names(batch: list[Submission]) -> Iterable[Submission]:
    names: dict[int, list[str]] = defaultdict(list)
    wanted = [s.pk for s in batch if s.tests_passed < s.tests_total]
    if wanted:
        for submission_id, name in (
            TestResult.objects.filter(
                submission_id__in=wanted,
                status__in=[TestResult.Status.FAIL, TestResult.Status.ERROR],
            )
            .order_by("submission_id", "position")
            .values_list("submission_id", "name")
        ):
            names[submission_id].append(name)
    for submission in batch:
        submission.failed_names = names.get(submission.pk, [])
        yield submission
