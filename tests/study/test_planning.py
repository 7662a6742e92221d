"""The plan's rules as pure functions: the latest-day rule, the budget, easy days, days off,
spreading work without a backlog, re-planning after a missed day, the honest forecast."""

from datetime import date, timedelta

import pytest

from apps.study import memory, planning
from apps.study.planning import Budget, PlanCard

W = memory.DEFAULT_PARAMETERS
MONDAY = date(2026, 12, 7)


def test_retrievability_matches_fsrs_rs():
    import fsrs_rs_python as rs

    after = rs.FSRS(list(W)).next_states(rs.MemoryState(2.3065, 2.1181), 0.9, 5).good.memory
    mine = memory.next_memory(W, memory.first_memory(W, 3), 3, 5)
    assert mine.stability == pytest.approx(after.stability, rel=1e-4)
    assert mine.difficulty == pytest.approx(after.difficulty, rel=1e-4)
    assert memory.retrievability(W, 10.0, 10.0) == pytest.approx(0.9)


def test_latest_day_rule_without_date_is_the_ordinary_schedule():
    due = planning.latest_due_day(W, stability=10.0, last_day=0.0, date_day=None, target=0.95)
    assert due == pytest.approx(10.0)


def test_well_before_the_date_reviews_only_build_memory():
    # A date far away: the card comes back when recall falls to PREP_RETENTION (78 %).
    due = planning.latest_due_day(W, stability=10.0, last_day=0.0, date_day=100, target=0.9)
    assert memory.retrievability(W, 10.0, due) == pytest.approx(planning.PREP_RETENTION)


def test_latest_day_rule_pulls_a_review_before_the_date():
    # Recall on day 12 would be below the aim (target + margin): the card must be reviewed
    # before the date. Its recall crosses the aim on day 6, before the last days before the
    # date; the review waits for the first of those days (day 8), when a review strengthens it
    # more and leaves it fresher on the day.
    aim = planning.aimed_recall(0.9)
    assert memory.retrievability(W, 10.0, 12) < aim
    assert memory.interval_for(W, 10.0, aim) < 12 - planning.PREP_WINDOW_DAYS
    due = planning.latest_due_day(W, stability=10.0, last_day=0.0, date_day=12, target=0.9)
    assert due == pytest.approx(12 - planning.PREP_WINDOW_DAYS)


def test_latest_day_rule_keeps_the_target_inside_the_last_days():
    aim = planning.aimed_recall(0.9)
    assert memory.retrievability(W, 10.0, 7) < aim
    due = planning.latest_due_day(W, stability=10.0, last_day=0.0, date_day=7, target=0.9)
    assert 7 - planning.PREP_WINDOW_DAYS < due < 7
    assert memory.retrievability(W, 10.0, due) == pytest.approx(aim, abs=1e-6)


def test_latest_day_rule_leaves_a_card_safe_on_the_date_alone():
    # Recall on day 3 is above 90 %: the next review may land after the date.
    due = planning.latest_due_day(W, stability=30.0, last_day=0.0, date_day=3, target=0.9)
    assert due == pytest.approx(30.0)


def test_after_the_date_cards_return_to_the_ordinary_schedule():
    due = planning.latest_due_day(W, stability=10.0, last_day=9.0, date_day=8, target=0.97)
    assert due == pytest.approx(19.0)


def test_budget_minutes_easy_days_and_days_off():
    budget = Budget(
        minutes=10, easy_weekdays=frozenset({5}), days_off=frozenset({MONDAY}),
        seconds_per_review=20,
    )  # fmt: skip
    assert budget.capacity(MONDAY) == 0
    assert budget.capacity(MONDAY + timedelta(days=1)) == pytest.approx(30)
    assert budget.capacity(MONDAY + timedelta(days=5)) == pytest.approx(15)  # Saturday
    assert Budget(reviews=40).capacity(MONDAY) == 40
    assert Budget().capacity(MONDAY) == float("inf")


def test_spread_never_piles_work_on_one_day():
    assert planning.spread([0] * 7, [3, 3, 3]) == [0, 0, 0, 1, 1, 1, 2]
    assert planning.spread([2, 0, 1], [5, 5, 5]) == [2, 0, 1]


def _reviewed_cards(count, *, track=1, stability=3.0, last_day=-3.0):
    return [
        PlanCard(card=i, track=track, stability=stability, difficulty=5.0, last_day=last_day)
        for i in range(count)
    ]


def test_plan_respects_the_budget_and_days_off():
    budget = Budget(reviews=5, days_off=frozenset({MONDAY + timedelta(days=1)}))
    result = planning.plan(
        W, cards=_reviewed_cards(12, last_day=-12.0), today=MONDAY,
        interview=MONDAY + timedelta(days=10),
        budget=budget,
    )  # fmt: skip
    assert all(day.reviews + day.new * planning.NEW_CARD_COST <= 5 for day in result.days)
    assert result.days[1].reviews == 0 and result.days[1].off
    assert sum(day.reviews for day in result.days[:3]) == 10


def test_missed_day_replans_instead_of_piling_up():
    # Twelve cards overdue after a missed day: tomorrow holds no more than the budget.
    result = planning.plan(
        W, cards=_reviewed_cards(12, last_day=-12.0), today=MONDAY,
        interview=MONDAY + timedelta(days=10), budget=Budget(reviews=4),
    )  # fmt: skip
    assert [day.reviews for day in result.days[:3]] == [4, 4, 4]


def test_new_cards_stop_at_the_last_sensible_day():
    interview = MONDAY + timedelta(days=20)
    result = planning.plan(
        W, cards=[PlanCard(card=i, track=1) for i in range(300)], today=MONDAY,
        interview=interview, new_per_day=10,
    )  # fmt: skip
    last = planning.last_new_day(W, date_day=20, target=0.9)
    assert result.last_new_day == MONDAY + timedelta(days=last)
    assert all(day.new == 0 for day in result.days if day.day > result.last_new_day)
    assert result.new_left == 300 - 10 * (last + 1)


def test_the_plan_reaches_the_target_when_followed():
    interview = MONDAY + timedelta(days=14)
    result = planning.plan(
        W, cards=[PlanCard(card=i, track=1) for i in range(30)], today=MONDAY,
        interview=interview, target=0.9,
    )  # fmt: skip
    assert result.recall_if_followed[1] >= 0.9
    assert result.recall_if_stopped[1] == 0.0


def test_forecast_is_honest_about_a_small_budget():
    kwargs = {
        "cards": [PlanCard(card=i, track=1) for i in range(80)], "today": MONDAY,
        "interview": MONDAY + timedelta(days=14), "target": 0.9, "new_per_day": 20,
    }  # fmt: skip
    small = planning.forecast(W, budget=Budget(minutes=3, seconds_per_review=20), **kwargs)
    assert small.needed_minutes is not None and small.needed_minutes > 3
    assert small.reached_with_budget < 0.9
    enough = planning.forecast(
        W, budget=Budget(minutes=small.needed_minutes, seconds_per_review=20), **kwargs
    )
    assert enough.reached_with_budget >= 0.9


def test_target_is_clamped():
    assert planning.clamp_target(0.5) == 0.8
    assert planning.clamp_target(0.99) == 0.97
    assert planning.clamp_target(None) == 0.9


def test_adoption_needs_better_held_out_loss():
    better = memory.Score(0.30, 0.045, 100)
    worse = memory.Score(0.31, 0.04, 100)
    assert better.better_than(worse)
    assert not worse.better_than(better)
    assert not better.better_than(better)
    # Lower log loss but far worse calibration over bins: not adopted.
    assert not memory.Score(0.30, 0.09, 100).better_than(worse)
