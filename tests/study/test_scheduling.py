"""The fsrs bridge and chart arithmetic: plain values, no database."""

from datetime import UTC, date, datetime, timedelta

import pytest
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler

from apps.core import charts
from apps.study import scheduling
from apps.study.models import is_learned, is_mastered

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "label"),
    [
        (timedelta(seconds=20), "1 min"),
        (timedelta(minutes=1), "1 min"),
        (timedelta(minutes=5, seconds=30), "6 min"),
        (timedelta(minutes=10), "10 min"),
        (timedelta(hours=5), "5 h"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=3), "3 days"),
        (timedelta(days=45), "1.5 months"),
        (timedelta(days=61), "2 months"),
        (timedelta(days=800), "2.2 years"),
    ],
)
def test_intervals_read_like_a_person_would_say_them(delta, label):
    assert scheduling.interval_label(delta) == label


def test_button_intervals_are_what_fsrs_would_schedule():
    card = FsrsCard(card_id=1, due=NOW)
    options = scheduling.rating_options(fsrs_card=card, now=NOW)
    assert [(o.value, o.label, o.interval) for o in options] == [
        (1, "Again", "1 min"), (2, "Hard", "6 min"), (3, "Good", "10 min"), (4, "Easy", "8 days"),
    ]  # fmt: skip
    reference = Scheduler(enable_fuzzing=False)
    for option in options:
        after, _ = reference.review_card(card, Rating(option.value), review_datetime=NOW)
        assert option.interval == scheduling.interval_label(after.due - NOW)


def test_the_portal_scheduler_does_not_fuzz_so_buttons_tell_the_truth():
    assert scheduling.scheduler().enable_fuzzing is False
    assert scheduling.scheduler().desired_retention == 0.9


def test_retrievability_is_fsrs_own_and_zero_for_unseen_cards():
    card, _ = Scheduler(enable_fuzzing=False).review_card(
        FsrsCard(card_id=1, due=NOW), Rating.Easy, review_datetime=NOW
    )
    later = NOW + timedelta(days=30)
    expected = Scheduler().get_card_retrievability(card, later)
    assert scheduling.retrievability_at(fsrs_card=card, moment=later) == pytest.approx(expected)
    assert scheduling.retrievability_at(fsrs_card=None, moment=later) == 0.0


@pytest.mark.parametrize(
    ("covered", "total", "rating"),
    [(0, 5, 1), (1, 5, 1), (2, 5, 2), (3, 5, 2), (4, 5, 3), (5, 5, 4), (7, 10, 3), (0, 0, 1)],
)
def test_key_point_coverage_maps_to_a_rating(covered, total, rating):
    assert scheduling.rating_for_coverage(covered=covered, total=total) == rating


def test_mastery_needs_the_review_state_and_three_weeks_of_stability():
    assert is_mastered(state=2, stability=21.0)
    assert not is_mastered(state=2, stability=20.9)
    assert not is_mastered(state=3, stability=40.0)  # relearning
    assert is_learned(state=2) and not is_learned(state=1)


def test_the_daily_chart_scales_bars_to_a_round_maximum():
    days = [(date(2026, 3, 1) + timedelta(days=i), i % 4) for i in range(30)]
    days[-1] = (days[-1][0], 17)
    chart = charts.daily_chart(counts=days)
    assert chart.maximum == 20
    assert [tick.label for tick in chart.y_ticks] == ["0", "10", "20"]
    tallest = chart.bars[-1]
    assert tallest.is_today and float(tallest.height) == pytest.approx(162 * 17 / 20, abs=0.1)
    assert chart.bars[0].height == "0"
    assert chart.x_ticks[-1].label == "today"
    assert chart.total == sum(count for _, count in days)


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 4), (3, 4), (7, 10), (11, 20), (23, 25), (180, 200)]
)
def test_nice_ceilings(value, ceiling):
    assert charts.nice_ceiling(value) == ceiling
