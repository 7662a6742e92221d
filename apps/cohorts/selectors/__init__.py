"""Reads for cohorts, a module per part of the pages:

- access: who may see which cohort, learner and submission (404 for anyone else);
- heatmap: the learners x lessons grid, live and paginated;
- figures: the cohort-wide figures as one stored document (CohortStats), each figure computed
  by its own module: activity (summary tiles, last 30 days), needs_help, hardest,
  exercise_stats;
- learner: one learner's drill-down;
- exports: the streamed CSV exports.

The dashboard's two halves each take a fixed number of queries whatever the cohort's size.
Progress uses the study app's own definitions (apps.study.models.learned_q and mastered_q).

The names views, services and tests call are re-exported here, so call sites read
`selectors.cohort_get(...)`.
"""

from apps.cohorts.selectors.access import (
    cohort_by_code,
    cohort_get,
    cohort_learner_get,
    cohort_list,
    cohort_submission_get,
    cohort_zone,
    cohorts_visible,
    is_member,
    membership_get,
    memberships_of,
)
from apps.cohorts.selectors.activity import cohort_activity, cohort_summary
from apps.cohorts.selectors.exercise_stats import cohort_exercise_stats, median_of_histogram
from apps.cohorts.selectors.exports import export_progress_rows, export_submissions
from apps.cohorts.selectors.figures import (
    Figures,
    cohort_figures_compute,
    cohort_figures_get,
    stats_max_age,
)
from apps.cohorts.selectors.hardest import cohort_hardest_cards
from apps.cohorts.selectors.heatmap import Heatmap, cohort_heatmap, cohort_lessons
from apps.cohorts.selectors.learner import LearnerDetail, cohort_learner_detail
from apps.cohorts.selectors.needs_help import cohort_help

__all__ = [
    "Figures",
    "Heatmap",
    "LearnerDetail",
    "cohort_activity",
    "cohort_by_code",
    "cohort_exercise_stats",
    "cohort_figures_compute",
    "cohort_figures_get",
    "cohort_get",
    "cohort_hardest_cards",
    "cohort_heatmap",
    "cohort_help",
    "cohort_learner_detail",
    "cohort_learner_get",
    "cohort_lessons",
    "cohort_list",
    "cohort_submission_get",
    "cohort_summary",
    "cohort_zone",
    "cohorts_visible",
    "export_progress_rows",
    "export_submissions",
    "is_member",
    "median_of_histogram",
    "membership_get",
    "memberships_of",
    "stats_max_age",
]
