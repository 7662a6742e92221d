"""Writes to the study tables: reviews on the FSRS schedule (`reviews`), the study plan
(`plan`) and mock interviews (`mocks`). The names below are what views, tasks and other apps
call (`services.review_record(...)`)."""

from apps.study.services.mocks import mock_create, mock_question_reveal, mock_question_score
from apps.study.services.plan import (
    study_plan_set_interview_date,
    study_plan_set_new_cards,
    study_plan_update,
)
from apps.study.services.reviews import ReviewError, review_record

__all__ = [
    "ReviewError",
    "mock_create",
    "mock_question_reveal",
    "mock_question_score",
    "review_record",
    "study_plan_set_interview_date",
    "study_plan_set_new_cards",
    "study_plan_update",
]
