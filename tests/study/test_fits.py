"""Memory fits: the learner's own parameters from their log, adopted only when they predict
held-out reviews better; the population fit; rescheduling without a backlog; the date-aware
rule in review_record."""

from datetime import timedelta

import pytest

from apps.study import fits, memory, planning, services
from apps.study.models import CardState, MemoryFit, ReviewLog, StudyPlan
from tests.factories import CardFactory, LessonFactory
from tests.study.simulated import FAST_FORGETTER, insert_log, simulate_log


@pytest.fixture
def course(db):
    lesson = LessonFactory()
    return [CardFactory(lesson=lesson) for _ in range(120)]


def test_fit_and_judge_needs_enough_reviews():
    outcome = memory.fit_and_judge(
        [memory.Review(1, 0, 3), memory.Review(1, 2, 3)],
        in_use=memory.DEFAULT_PARAMETERS,
        population=None,
    )
    assert not outcome.adopted
    assert "too few" in outcome.note


def test_own_fit_is_adopted_when_it_predicts_held_out_reviews_better(learner, course, clock):
    rows = simulate_log(true_w=FAST_FORGETTER, cards=120, days=60, seed=4)
    insert_log(user=learner, cards=course, rows=rows, end=clock.current, days=60)

    fit = fits.memory_fit_learner(user=learner)

    assert fit.adopted, fit.note
    assert fit.log_loss < fit.previous_log_loss
    assert fit.test_items >= memory.MIN_TEST_ITEMS
    assert fit.sources["review+lesson"]["included"]
    in_use = fits.memory_in_use(user=learner)
    assert in_use.kind == "own" and in_use.fit == fit
    # The cards were rescheduled with the new parameters.
    state = CardState.objects.filter(user=learner).first()
    assert state.stability != 5.0


def test_a_fit_that_is_no_better_is_kept_but_not_adopted(learner, course, clock):
    rows = simulate_log(true_w=FAST_FORGETTER, cards=120, days=60, seed=4)
    insert_log(user=learner, cards=course, rows=rows, end=clock.current, days=60)
    first = fits.memory_fit_learner(user=learner)
    second = fits.memory_fit_learner(user=learner)  # same log: the same fit, not better

    assert first.adopted and not second.adopted
    assert MemoryFit.objects.filter(user=learner).count() == 2
    assert fits.memory_in_use(user=learner).fit == first


def test_a_source_that_makes_predictions_worse_stays_out(learner, course, clock):
    rows = simulate_log(true_w=FAST_FORGETTER, cards=120, days=60, seed=4)
    insert_log(user=learner, cards=course, rows=rows, end=clock.current, days=60)
    # Exercise outcomes that say nothing about memory: always Easy, on random days.
    noise = [(card, day, 4) for card, day in zip(range(0, 60, 2), range(5, 60, 2), strict=False)]
    logs = [
        ReviewLog(
            user=learner, card=course[card], rating=rating, source="exercise",
            state_after={}, reviewed_at=clock.current - timedelta(days=60 - day, hours=3),
            idempotency_key=f"noise-{i}",
        )
        for i, (card, day, rating) in enumerate(noise)
    ]  # fmt: skip
    ReviewLog.objects.bulk_create(logs)

    fit = fits.memory_fit_learner(user=learner)

    assert "exercise" in fit.sources
    assert fit.sources["exercise"]["included"] == (
        fit.sources["exercise"]["log_loss"] < fit.sources["review+lesson"]["log_loss"]
    )
    assert fit.sources["mock"]["included"] is False


def test_population_fit_is_used_until_the_learners_own_is_adopted(
    learner, other_learner, course, clock
):
    for seed, user in enumerate([learner, other_learner]):
        rows = simulate_log(true_w=FAST_FORGETTER, cards=120, days=60, seed=4 + 2 * seed)
        insert_log(user=user, cards=course, rows=rows, end=clock.current, days=60)
    assert fits.memory_in_use(user=learner).kind == "default"

    population = fits.memory_fit_population()

    assert population.user is None and population.adopted, population.note
    assert fits.memory_in_use(user=learner).kind == "population"
    assert set(fits.learners_due_a_fit()) == {learner.pk, other_learner.pk}


def test_rescheduling_never_dumps_a_backlog_on_one_day(learner, course, clock):
    rows = simulate_log(true_w=FAST_FORGETTER, cards=120, days=40, seed=5)
    insert_log(user=learner, cards=course, rows=rows, end=clock.current, days=40)
    StudyPlan.objects.create(user=learner, budget_reviews=10)
    slow = list(memory.DEFAULT_PARAMETERS)
    slow[20] = 0.9  # a much steeper forgetting curve: nearly everything falls due at once

    changed = fits.cards_reschedule(user=learner, parameters=slow, now=clock.current)

    assert changed > 10
    per_day: dict = {}
    for due in CardState.objects.filter(user=learner).values_list("due", flat=True):
        day = max(due, clock.current).date()
        per_day[day] = per_day.get(day, 0) + 1
    assert max(per_day.values()) <= 10


def test_review_record_brings_a_review_forward_to_keep_the_target_on_the_date(
    learner, course, clock
):
    card = course[0]
    services.review_record(user=learner, card=card, rating=3)
    clock.advance(days=3)
    ordinary = services.review_record(user=learner, card=card, rating=3, idempotency_key="a")
    ordinary_due = CardState.objects.get(user=learner, card=card).due

    other = course[1]
    services.review_record(user=learner, card=other, rating=3)
    interview = (clock.current + timedelta(days=10)).date()
    services.study_plan_update(
        user=learner, interview_date=interview, target_recall=0.97,
        budget_minutes=None, budget_reviews=None,
    )  # fmt: skip
    clock.advance(days=3)
    services.review_record(user=learner, card=other, rating=3, idempotency_key="b")
    state = CardState.objects.get(user=learner, card=other)

    assert ordinary.state_after["due"]
    assert ordinary_due - ordinary.reviewed_at > timedelta(days=10)
    # With the date a week away, the next review follows the plan's rule, not FSRS's ordinary
    # interval (which would land after the date).
    from apps.study.selectors import study_aim

    aim = study_aim(user=learner, now=clock.current)
    date_day = (aim.interview - clock.current).total_seconds() / 86_400
    expected = planning.latest_due_day(
        memory.DEFAULT_PARAMETERS, stability=state.stability, last_day=0.0,
        date_day=date_day, target=0.97,
    )  # fmt: skip
    days = (state.due - clock.current).total_seconds() / 86_400
    assert days == pytest.approx(expected, abs=1e-6)
    assert days < date_day


def test_the_review_queue_stops_at_todays_budget(learner, course, clock):
    from apps.study import selectors

    StudyPlan.objects.create(user=learner, budget_reviews=3, new_cards_per_day=50)
    for card in course[:3]:
        services.review_record(user=learner, card=card, rating=3)
    item = selectors.review_next(user=learner, now=clock.current)
    assert item is None or item.kind == "ahead"  # a started card's learning step still comes
    clock.advance(days=1)  # a new day, a new share
    assert selectors.review_next(user=learner, now=clock.current).kind in {"due", "new"}


def test_no_new_cards_after_the_last_sensible_day(learner, course, clock):
    from apps.study import selectors

    tomorrow = (clock.current + timedelta(days=1)).date()
    StudyPlan.objects.create(user=learner, interview_date=tomorrow)
    assert selectors.review_next(user=learner, now=clock.current) is None
    StudyPlan.objects.filter(user=learner).update(interview_date=tomorrow + timedelta(days=20))
    item = selectors.review_next(user=learner, now=clock.current)
    assert item is not None and item.kind == "new"


def test_setting_a_date_replans_the_cards_already_scheduled(learner, course, clock):
    card = course[0]
    services.review_record(user=learner, card=card, rating=3)
    clock.advance(days=3)
    services.review_record(user=learner, card=card, rating=3, idempotency_key="again")
    before = CardState.objects.get(user=learner, card=card).due
    interview = (clock.current + timedelta(days=6)).date()
    assert before.date() > interview  # the ordinary schedule ignores the date

    services.study_plan_update(
        user=learner, interview_date=interview, target_recall=0.97, budget_minutes=None,
        budget_reviews=None,
    )  # fmt: skip

    after = CardState.objects.get(user=learner, card=card).due
    assert after.date() < interview


def test_blends_run_from_the_population_to_the_own_fit_within_bounds():
    population = memory.DEFAULT_PARAMETERS
    own = tuple(min(x * 2, high) for x, (_, high) in zip(population, memory.BOUNDS, strict=True))
    assert memory.toward(own, population, 1.0) == own
    assert memory.toward(own, population, 0.0) == pytest.approx(population, rel=1e-4, abs=1e-5)
    half = memory.toward(own, population, 0.5)
    for low_w, mid, high_w, (low, high) in zip(population, half, own, memory.BOUNDS, strict=True):
        assert low <= mid <= high
        assert min(low_w, high_w) - 1e-6 <= mid <= max(low_w, high_w) + 1e-6


def test_the_fit_is_judged_on_later_reviews_in_rolling_folds():
    """The latest half of the predictions is held out a tenth at a time; the in-use and the
    population parameters are scored on the same held-out reviews; the chosen own-fit weight is
    one of the candidates."""
    true_w = list(memory.DEFAULT_PARAMETERS)
    true_w[0:4] = [0.1, 0.3, 0.6, 2.0]
    reviews = [
        memory.Review(card, day, rating)
        for card, day, rating in simulate_log(true_w=true_w, cards=120, days=60, seed=4)
    ]
    outcome = memory.fit_and_judge(
        reviews, in_use=memory.DEFAULT_PARAMETERS, population=memory.DEFAULT_PARAMETERS
    )
    items = memory.items_from_reviews(reviews)
    assert outcome.train_items == len(items)
    assert abs(outcome.test_items - len(items) / 2) <= 0.05 * len(items)
    assert outcome.previous.count == outcome.score.count == outcome.population.count
    assert outcome.weight in memory.OWN_WEIGHTS
    assert outcome.adopted == outcome.score.better_than(outcome.previous)
    # Without a population fit (the population's own fit), only the plain fit is a candidate.
    plain = memory.fit_and_judge(reviews, in_use=memory.DEFAULT_PARAMETERS, population=None)
    assert plain.weight == 1.0 and plain.population is None
