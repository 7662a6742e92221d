"""Simulated learners studying the course until an interview date, under three policies, so
"ready on the day" is measured rather than hoped (`manage.py simulate_learners`,
`python -m bench learning`). Plain Python over apps/study/memory.py and planning.py (no
models): the same rules the portal runs, at day granularity. One module per part: the learner
(`learners`), a learner under one policy (`policies`), goal 2's judgement (`judging`), the
population fit they start from (`population`) and a run of all of them (`runs`).

What the simulation draws from (documented on purpose, so a reader can disagree):
- True memory: FSRS-6 with each learner's true parameters. Without `--true-parameters`, each
  parameter is FSRS's published default times exp(N(0, sigma)): sigma 0.5 for the initial
  stabilities w0-w3, 0.25 for the stability growth w8-w10 and the forgetting curve's decay
  w20, 0.1 for the rest; then clipped to fsrs-rs's bounds.
- A review is recalled with the true retrievability at that moment. Recalled: Hard 15 %, Good
  70 %, Easy 15 %. Forgotten: Again. A new card's first rating: Again 25 %, Hard 15 %, Good
  50 %, Easy 10 %.
- A forgotten card comes back once more the same day (the portal's 10-minute relearning
  step) and is rated Good if recalled then, else Again.
- Durations: log-normal, median 12 s for a review (sigma 0.5, each learner's median itself
  times exp(N(0, 0.3))), and 3x that for a new card (reading, then the same-day learning steps,
  which at day granularity are folded into the first rating).
- Each day a learner skips with probability `skip_days`; the interview is the morning after
  the last study day.

Policies: `baseline` (FSRS defaults, 90 %, the date ignored, 10 new cards a day), `optimized`
(the learner's adopted fit, else the population fit; 90 %; the date ignored), `portal`
(the adopted fit, the plan's rule in apps/study/planning.py, new cards front-loaded to the last
sensible day). With `budget_minutes`, every policy works within that many minutes a day.
"""

from apps.study.simulation.judging import judge_fit
from apps.study.simulation.learners import BOUNDS, Course, Learner, LearnerResult, draw_parameters
from apps.study.simulation.policies import POLICIES, run_learner
from apps.study.simulation.population import baseline_log, population_parameters
from apps.study.simulation.runs import simulate, summarize

__all__ = [
    "BOUNDS",
    "POLICIES",
    "Course",
    "Learner",
    "LearnerResult",
    "baseline_log",
    "draw_parameters",
    "judge_fit",
    "population_parameters",
    "run_learner",
    "simulate",
    "summarize",
]
