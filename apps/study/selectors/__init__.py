"""Reads over the study tables, one module per part of the site: the plan and due counts
(`plan`), progress figures (`progress`), the rating controls (`rating`), the review session
(`review`), the dashboard (`dashboard`) with readiness for the interview date (`readiness`), mock
interviews (`mocks`) and the plan page (`plan_page`).

Every function here costs a fixed number of queries, whatever the size of the learner's
history: figures are aggregated in the database, or read from rows bounded by the size of the
course (one CardState per card) or by the calendar (one ReviewDay per day).

The names below are what views, navigation and other apps call (`selectors.due_summary(...)`).
"""

from apps.study.selectors.dashboard import Dashboard, LessonMastery, WeakCard, dashboard, streaks
from apps.study.selectors.mocks import mock_coverage_pct, mock_get, mock_history, mock_questions
from apps.study.selectors.plan import (
    DueSummary,
    due_summary,
    seconds_per_review,
    study_aim,
    study_plan_get,
)
from apps.study.selectors.plan_page import PlanPage, plan_page
from apps.study.selectors.progress import (
    Progress,
    lesson_progress,
    lesson_progress_for_card,
    progress_attach_to_lessons,
    progress_attach_to_tracks,
)
from apps.study.selectors.rating import CardStudy, card_for_review, card_study, lesson_study_attach
from apps.study.selectors.readiness import Readiness, Suggestion, TrackReadiness, readiness
from apps.study.selectors.review import ReviewItem, SessionSummary, review_next, session_summary

__all__ = [
    "CardStudy",
    "Dashboard",
    "DueSummary",
    "LessonMastery",
    "PlanPage",
    "Progress",
    "Readiness",
    "ReviewItem",
    "SessionSummary",
    "Suggestion",
    "TrackReadiness",
    "WeakCard",
    "card_for_review",
    "card_study",
    "dashboard",
    "due_summary",
    "lesson_progress",
    "lesson_progress_for_card",
    "lesson_study_attach",
    "mock_coverage_pct",
    "mock_get",
    "mock_history",
    "mock_questions",
    "plan_page",
    "progress_attach_to_lessons",
    "progress_attach_to_tracks",
    "readiness",
    "review_next",
    "seconds_per_review",
    "session_summary",
    "streaks",
    "study_aim",
    "study_plan_get",
]
