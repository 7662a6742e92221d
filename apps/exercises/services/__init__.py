"""Every write to the exercises tables, by sub-noun:

caps.py          what a learner may send now: code size, one run in flight, the per-minute caps
submissions.py   creating a submission, retrying a platform error
claims.py        a worker's claim on a submission (what grading needs, the attempt that guards)
recording.py     the outcome: verdict, per-test rows, known mistake, and the card review
sweep.py         the periodic sweep: nothing stuck when a worker dies or the broker is down
hints.py         the help ladder: hints, a failing test's code, giving up
example_runs.py  "Run examples": the example tests only, never an attempt
queue.py         handing rows to the worker (the only way services reach apps/exercises/tasks.py)

The grading task imports these services; services never import the task module at load time
(queue.py says how they enqueue). The names below are what views, tasks and the admin call
(`services.submission_create(...)`).
"""

from apps.exercises.services.caps import SubmissionRefused
from apps.exercises.services.claims import Claim, submission_claim
from apps.exercises.services.example_runs import (
    ExampleClaim,
    example_run_claim,
    example_run_create,
    example_run_mark_unpublished,
    example_run_record_result,
    example_run_record_unavailable,
    example_runs_sweep,
)
from apps.exercises.services.hints import HintUnavailable, exercise_give_up, hint_reveal
from apps.exercises.services.recording import (
    submission_record_result,
    submission_record_unavailable,
    submission_review_record,
)
from apps.exercises.services.submissions import (
    submission_create,
    submission_mark_unpublished,
    submission_retry,
)
from apps.exercises.services.sweep import SweepSummary, submissions_sweep

__all__ = [
    "Claim",
    "ExampleClaim",
    "HintUnavailable",
    "SubmissionRefused",
    "SweepSummary",
    "example_run_claim",
    "example_run_create",
    "example_run_mark_unpublished",
    "example_run_record_result",
    "example_run_record_unavailable",
    "example_runs_sweep",
    "exercise_give_up",
    "hint_reveal",
    "submission_claim",
    "submission_create",
    "submission_mark_unpublished",
    "submission_record_result",
    "submission_record_unavailable",
    "submission_retry",
    "submission_review_record",
    "submissions_sweep",
]
