"""Demo and benchmark data: a cohort of generated learners with a realistic history.

Each learner gets a temperament (learners), meets the course's cards in order and reviews each
card when FSRS schedules it (reviews); some stop studying a while before today and pile up
overdue reviews. Exercise runs pass and fail, a failed run submitting one of the exercise's own
wrong solutions (exercises). The cohort module puts them together in one transaction; memory
gives the demo learner a long history and fits memory models.

Everything is written with bulk_create, in batches (writer), so 1,000 learners with 200 cards
each take a minute or two rather than an hour. Learners get unusable passwords.
"""

from apps.cohorts.demo.cohort import DEMO_COHORT, SeedSummary, demo_cohort_delete, demo_cohort_seed
from apps.cohorts.demo.exercises import harness_test_names
from apps.cohorts.demo.memory import demo_learner_history, demo_memory_fits

__all__ = [
    "DEMO_COHORT",
    "SeedSummary",
    "demo_cohort_delete",
    "demo_cohort_seed",
    "demo_learner_history",
    "demo_memory_fits",
    "harness_test_names",
]
