"""Study services: scheduling through fsrs, idempotent and concurrent reviews, streaks in the
learner's time zone, mastery, readiness and mock interviews."""

import inspect
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from apps.accounts.services import user_delete
from apps.study import selectors, services
from apps.study.models import CardState, MockInterview, ReviewDay, ReviewLog, StudyPlan
from tests.factories import CardFactory, CohortFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def reference_scheduler() -> Scheduler:
    return Scheduler(enable_fuzzing=False)


# Scheduling -------------------------------------------------------------------------------


def test_the_exercise_pipeline_interface_is_keyword_only_with_the_agreed_defaults():
    parameters = inspect.signature(services.review_record).parameters
    assert list(parameters) == [
        "user", "card", "rating", "duration_ms", "source", "idempotency_key",
    ]  # fmt: skip
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())
    assert parameters["duration_ms"].default is None
    assert parameters["source"].default == "review"
    assert parameters["idempotency_key"].default is None


def test_a_first_review_stores_exactly_what_fsrs_computes(learner, mini_course, clock):
    card = mini_course.card("b1")
    log = services.review_record(user=learner, card=card, rating=3, duration_ms=4200)

    expected, _ = reference_scheduler().review_card(
        FsrsCard(card_id=card.pk, due=clock()), Rating.Good, review_datetime=clock()
    )
    state = CardState.objects.get(user=learner, card=card)
    assert state.fsrs == expected.to_dict()
    assert (state.state, state.due, state.stability) == (
        State.Learning,
        clock() + timedelta(minutes=10),
        expected.stability,
    )
    assert (state.reps, state.lapses, state.last_review) == (1, 0, clock())
    assert log.state_before is None and log.state_after == expected.to_dict()
    assert (log.rating, log.duration_ms, log.source, log.reviewed_at) == (
        3,
        4200,
        "review",
        clock(),
    )


def test_a_month_of_reviews_follows_the_fsrs_schedule_step_by_step(learner, mini_course, clock):
    card = mini_course.card("b2")
    reference = FsrsCard(card_id=card.pk, due=clock())
    ratings = [Rating.Good, Rating.Good, Rating.Again, Rating.Good, Rating.Hard, Rating.Easy]
    for rating in ratings:
        reference, _ = reference_scheduler().review_card(reference, rating, review_datetime=clock())
        services.review_record(user=learner, card=card, rating=int(rating), source="lesson")
        state = CardState.objects.get(user=learner, card=card)
        assert state.fsrs == reference.to_dict()
        assert state.due == reference.due
        clock.set(reference.due)  # review exactly when due

    state = CardState.objects.get(user=learner, card=card)
    assert state.reps == len(ratings)
    assert state.lapses == 1  # the one Again
    logs = list(ReviewLog.objects.filter(user=learner, card=card).order_by("reviewed_at"))
    assert [log.rating for log in logs] == [int(r) for r in ratings]
    for earlier, later in zip(logs, logs[1:], strict=False):
        assert later.state_before == earlier.state_after


@pytest.mark.parametrize(
    ("rating", "source", "key", "problem"),
    [(0, "review", None, "rating"), (5, "review", None, "rating"), ("x", "review", None, "rating"),
     (3, "homework", None, "source"), (3, "review", "k" * 65, "idempotency_key")],
)  # fmt: skip
def test_invalid_reviews_are_refused_and_change_nothing(
    learner, mini_course, rating, source, key, problem
):
    with pytest.raises(services.ReviewError, match=problem):
        services.review_record(
            user=learner, card=mini_course.card("b1"), rating=rating, source=source,
            idempotency_key=key,
        )  # fmt: skip
    assert not CardState.objects.exists() and not ReviewLog.objects.exists()


def test_exercise_results_count_as_reviews_of_their_card(learner, mini_course):
    log = services.review_record(
        user=learner, card=mini_course.card("t1"), rating=4, duration_ms=None,
        source="exercise", idempotency_key="submission-41",
    )  # fmt: skip
    assert log.source == "exercise"
    assert CardState.objects.get(user=learner, card=mini_course.card("t1")).state == State.Review


# Idempotency and concurrency --------------------------------------------------------------


def test_a_repeated_post_with_the_same_key_counts_once(learner, mini_course, clock):
    card = mini_course.card("b1")
    first = services.review_record(user=learner, card=card, rating=3, idempotency_key="tab-1-abc")
    state_after_first = CardState.objects.get(user=learner, card=card).fsrs
    clock.advance(minutes=11)
    again = services.review_record(user=learner, card=card, rating=1, idempotency_key="tab-1-abc")

    assert again.pk == first.pk and again.rating == 3
    assert ReviewLog.objects.count() == 1
    assert CardState.objects.get(user=learner, card=card).fsrs == state_after_first
    assert ReviewDay.objects.get(user=learner).reviews == 1


def test_the_same_key_from_two_learners_is_two_reviews(learner, other_learner, mini_course):
    card = mini_course.card("b1")
    services.review_record(user=learner, card=card, rating=3, idempotency_key="same-key-1")
    services.review_record(user=other_learner, card=card, rating=3, idempotency_key="same-key-1")
    assert ReviewLog.objects.count() == 2


def _in_threads(count: int, target) -> list:
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_tabs_rating_the_same_card_at_once_never_lose_a_review(password):
    user = UserFactory(username="twotabs", password=password)
    card = CardFactory()
    results = _in_threads(
        6,
        lambda i: services.review_record(
            user=user, card=card, rating=3, idempotency_key=f"tab-{i}-000000"
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results

    state = CardState.objects.get(user=user, card=card)
    logs = list(ReviewLog.objects.filter(user=user).order_by("pk"))
    assert state.reps == 6 and len(logs) == 6
    # Each review applied to the state the previous one left: one unbroken chain.
    assert logs[0].state_before is None
    for earlier, later in zip(logs, logs[1:], strict=False):
        assert later.state_before == earlier.state_after
    assert state.fsrs == logs[-1].state_after
    assert ReviewDay.objects.get(user=user).reviews == 6


@pytest.mark.django_db(transaction=True)
def test_a_double_click_racing_itself_is_stored_once(password):
    user = UserFactory(username="doubleclick", password=password)
    card = CardFactory()
    results = _in_threads(
        4,
        lambda i: services.review_record(
            user=user, card=card, rating=4, idempotency_key="double-click-1"
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({log.pk for log in results}) == 1
    assert ReviewLog.objects.count() == 1
    assert CardState.objects.get(user=user, card=card).reps == 1


# Streaks ----------------------------------------------------------------------------------


def test_streak_counts_consecutive_days_and_survives_until_the_day_ends():
    today = date(2026, 3, 10)
    days = [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 8), date(2026, 3, 9), today]
    assert selectors.streaks(active_days=days, today=today) == (3, 3)
    # No review yet today: yesterday's run still counts.
    assert selectors.streaks(active_days=days[:-1], today=today) == (2, 2)
    # A missed day breaks it.
    assert selectors.streaks(active_days=days[:-2], today=today) == (0, 2)
    assert selectors.streaks(active_days=[], today=today) == (0, 0)


def test_reviews_on_either_side_of_local_midnight_fall_on_two_days(learner, mini_course, clock):
    learner.time_zone = "America/Los_Angeles"  # UTC-8 in winter
    learner.save()
    clock.set(datetime(2026, 3, 3, 7, 50, tzinfo=UTC))  # 23:50 on 2 March in Los Angeles
    services.review_record(user=learner, card=mini_course.card("b1"), rating=3)
    clock.advance(minutes=20)  # 00:10 on 3 March in Los Angeles, still 3 March in UTC
    services.review_record(user=learner, card=mini_course.card("b2"), rating=3)

    days = dict(ReviewDay.objects.filter(user=learner).values_list("day", "reviews"))
    assert days == {date(2026, 3, 2): 1, date(2026, 3, 3): 1}
    board = selectors.dashboard(user=learner, now=clock())
    assert (board.streak, board.reviews_today) == (2, 1)


def test_the_same_instants_make_one_day_for_a_learner_in_another_zone(
    other_learner, mini_course, clock
):
    other_learner.time_zone = "Asia/Tokyo"  # UTC+9: both instants are 3 March, 16:50 and 17:10
    other_learner.save()
    clock.set(datetime(2026, 3, 3, 7, 50, tzinfo=UTC))
    services.review_record(user=other_learner, card=mini_course.card("b1"), rating=3)
    clock.advance(minutes=20)
    services.review_record(user=other_learner, card=mini_course.card("b2"), rating=3)

    assert list(ReviewDay.objects.values_list("day", "reviews")) == [(date(2026, 3, 3), 2)]
    assert selectors.dashboard(user=other_learner, now=clock()).streak == 1


def test_a_streak_ends_after_a_whole_local_day_without_reviews(learner, mini_course, clock):
    learner.time_zone = "Pacific/Auckland"  # UTC+13 in March
    learner.save()
    for day in range(3):  # 09:00 local on 2, 3 and 4 March
        clock.set(datetime(2026, 3, 1, 20, 0, tzinfo=UTC) + timedelta(days=day))
        services.review_record(user=learner, card=mini_course.cards[day], rating=3)
    assert selectors.dashboard(user=learner, now=clock()).streak == 3
    # 23:59 on 5 March local: still alive (yesterday counted).
    clock.set(datetime(2026, 3, 5, 10, 59, tzinfo=UTC))
    assert selectors.dashboard(user=learner, now=clock()).streak == 3
    # 00:01 on 6 March local: 5 March passed without a review.
    clock.set(datetime(2026, 3, 5, 11, 1, tzinfo=UTC))
    board = selectors.dashboard(user=learner, now=clock())
    assert (board.streak, board.longest_streak) == (0, 3)


# Mastery ----------------------------------------------------------------------------------


def lesson_progress(user, lesson):
    lessons = list(lesson.track.lessons.all())
    for item in lessons:
        item.card_count = item.cards.count()
    selectors.progress_attach_to_lessons(user=user, track=lesson.track, lessons=lessons)
    return next(item for item in lessons if item.pk == lesson.pk).progress


def test_seen_learned_and_mastered_follow_their_written_definitions(learner, mini_course, clock):
    b1, b2, b3 = (mini_course.card(slug) for slug in ("b1", "b2", "b3"))
    services.review_record(user=learner, card=b1, rating=3)  # Learning: seen only
    services.review_record(user=learner, card=b2, rating=4)  # Review, stability ~8 days
    progress = lesson_progress(learner, mini_course.basics)
    assert (progress.seen, progress.learned, progress.mastered, progress.total) == (2, 1, 0, 3)

    # Recalling b2 when due (8 days later) takes its stability past 21 days: mastered.
    clock.set(CardState.objects.get(user=learner, card=b2).due)
    services.review_record(user=learner, card=b2, rating=3)
    assert CardState.objects.get(user=learner, card=b2).stability >= 21
    progress = lesson_progress(learner, mini_course.basics)
    assert (progress.seen, progress.learned, progress.mastered) == (2, 1, 1)

    # Forgetting it sends it to relearning: no longer learned, no longer mastered.
    clock.set(CardState.objects.get(user=learner, card=b2).due)
    services.review_record(user=learner, card=b2, rating=1)
    assert CardState.objects.get(user=learner, card=b2).state == State.Relearning
    progress = lesson_progress(learner, mini_course.basics)
    assert (progress.seen, progress.learned, progress.mastered) == (2, 0, 0)
    assert b3.pk not in CardState.objects.values_list("card_id", flat=True)


def test_retired_cards_leave_the_progress_figures(learner, mini_course):
    services.review_record(user=learner, card=mini_course.card("b1"), rating=4)
    type(mini_course.card("b1")).objects.filter(slug="b1").update(is_retired=True)
    tracks = list(type(mini_course.async_).objects.filter(slug="async"))
    tracks[0].card_count = 4
    selectors.progress_attach_to_tracks(user=learner, tracks=tracks)
    assert tracks[0].progress.seen == 0


# Readiness --------------------------------------------------------------------------------


def test_readiness_is_the_mean_fsrs_retrievability_on_the_day_unseen_cards_counting_zero(
    learner, mini_course, clock
):
    learner.time_zone = "Europe/Paris"
    learner.save()
    services.review_record(user=learner, card=mini_course.card("b1"), rating=4)
    services.review_record(user=learner, card=mini_course.card("a1"), rating=3)
    clock.advance(days=2)
    services.review_record(user=learner, card=mini_course.card("a1"), rating=3)
    services.study_plan_set_interview_date(user=learner, interview_date=date(2026, 3, 20))

    board = selectors.dashboard(user=learner, now=clock())
    readiness = {entry.track.slug: entry for entry in board.readiness.tracks}

    moment = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)  # 9:00 in Paris
    fsrs = reference_scheduler()
    states = {
        s.card.slug: FsrsCard.from_dict(s.fsrs) for s in CardState.objects.select_related("card")
    }
    expected = (
        fsrs.get_card_retrievability(states["b1"], moment)
        + fsrs.get_card_retrievability(states["a1"], moment)
    ) / 5  # five cards in the track, three never seen
    assert readiness["async"].recall == pytest.approx(expected)
    assert 0 < readiness["async"].recall < 0.4
    assert readiness["services"].recall == 0
    assert (readiness["async"].seen, readiness["async"].cards) == (2, 5)
    assert board.readiness.days_left == 16


def test_readiness_suggests_the_cards_whose_review_raises_it_most(learner, mini_course, clock):
    services.review_record(user=learner, card=mini_course.card("t1"), rating=4)
    clock.advance(hours=1)
    services.study_plan_set_interview_date(user=learner, interview_date=date(2026, 3, 5))
    board = selectors.dashboard(user=learner, now=clock())
    services_track = next(t for t in board.readiness.tracks if t.track.slug == "services")
    suggestion = services_track.suggestions[0]
    # The never-seen card gains most: from 0 to what a Good review today predicts.
    assert suggestion.card.slug == "t2"
    assert suggestion.now_pct == 0 and suggestion.after_pct > 50
    # Reviewing the card recalled an hour ago again today would not change the prediction.
    assert [s.card.slug for s in services_track.suggestions] == ["t2"]


def test_readiness_is_empty_until_a_date_is_set(learner, mini_course, clock):
    board = selectors.dashboard(user=learner, now=clock())
    assert board.readiness.interview_date is None and board.readiness.tracks == []


# Plan and mock interviews ------------------------------------------------------------------


def test_the_daily_new_card_cap_is_the_learners_to_change(learner):
    assert selectors.study_plan_get(user=learner).new_cards_per_day == 10
    services.study_plan_set_new_cards(user=learner, new_cards_per_day=3)
    services.study_plan_set_interview_date(user=learner, interview_date=date(2026, 4, 1))
    plan = StudyPlan.objects.get(user=learner)
    assert (plan.new_cards_per_day, plan.interview_date) == (3, date(2026, 4, 1))


def test_a_mock_interview_draws_distinct_cards_from_the_chosen_tracks(learner, mini_course):
    mock = services.mock_create(
        user=learner, tracks=[mini_course.services], question_count=5, seconds_per_question=60
    )
    questions = list(mock.questions.order_by("position"))
    assert len(questions) == 2  # the track only has two cards
    assert {q.card.slug for q in questions} == {"t1", "t2"}
    assert questions[0].started_at is not None and questions[1].started_at is None


def test_scoring_a_mock_answer_turns_coverage_into_a_review(learner, mini_course, clock):
    mock = services.mock_create(
        user=learner, tracks=[mini_course.async_], question_count=3, seconds_per_question=90
    )
    first, second, third = mock.questions.order_by("position")
    clock.advance(seconds=40)
    services.mock_question_reveal(question=first, notes="Await each step")
    clock.advance(seconds=15)
    scored = services.mock_question_score(question=first, covered=[0, 1, 2, 3])  # 4 of 5 = 80%

    assert scored.rating == Rating.Good
    log = ReviewLog.objects.get(user=learner, card=first.card)
    assert (log.source, log.rating, log.duration_ms) == ("mock", 3, 15_000)
    second.refresh_from_db()
    assert second.started_at == clock()

    # A repeated submission (double click) changes nothing.
    services.mock_question_score(question=first, covered=[])
    assert ReviewLog.objects.filter(user=learner).count() == 1

    services.mock_question_score(question=second, covered=[0, 1])  # 40% -> Hard
    services.mock_question_score(question=third, covered=[0, 1, 2, 3, 4, 99])  # all (99 ignored)
    mock.refresh_from_db()
    ratings = list(mock.questions.order_by("position").values_list("rating", flat=True))
    assert ratings == [3, 2, 4]
    assert mock.finished_at == clock()
    assert selectors.mock_history(user=learner)[0].coverage_pct == round(100 * 11 / 15)


def test_deleting_an_account_deletes_all_its_progress(learner, other_learner, mini_course):
    for user in (learner, other_learner):
        services.review_record(user=user, card=mini_course.card("b1"), rating=3)
        services.study_plan_set_new_cards(user=user, new_cards_per_day=5)
        services.mock_create(
            user=user, tracks=[mini_course.async_], question_count=1, seconds_per_question=30
        )
    user_delete(user=learner)
    for model in (CardState, ReviewLog, ReviewDay, StudyPlan, MockInterview):
        assert set(model.objects.values_list("user_id", flat=True)) == {other_learner.pk}


# What a review aims at, read in one query ------------------------------------------------------


def test_a_review_reads_its_aim_in_one_query_the_same_as_study_aim(
    learner, mini_course, clock, password
):
    """review_record reads the plan, the adopted fits and the cohort's date with the key check
    (one query); what it reads is what selectors.study_aim computes, case by case."""
    from apps.study import memory
    from apps.study.models import MemoryFit
    from apps.study.services import reviews as review_services

    def context_aim():
        today = clock().date()
        context = review_services._review_context(user=learner, key="none", today=today)
        assert context.existing_log is None
        return context.aim(user=learner, now=clock())

    def same():
        assert context_aim() == selectors.study_aim(user=learner, now=clock())

    same()  # no plan, no fit: defaults, no date
    assert context_aim().parameters == memory.DEFAULT_PARAMETERS
    population = [round(x * 1.1, 4) for x in memory.DEFAULT_PARAMETERS]
    own = [round(x * 0.9, 4) for x in memory.DEFAULT_PARAMETERS]
    fit = {"created_at": clock(), "reviews": 500, "adopted": True}
    MemoryFit.objects.create(user=None, parameters=population, **fit)
    same()
    assert context_aim().parameters == tuple(population)
    MemoryFit.objects.create(user=learner, parameters=own, **fit)
    MemoryFit.objects.create(user=learner, parameters=population, **{**fit, "adopted": False})
    same()
    assert context_aim().parameters == tuple(own)
    teacher = UserFactory(username="tess", password=password, instructor=True)
    cohort = CohortFactory(instructor=teacher, name="Spring")
    MembershipFactory(cohort=cohort, user=learner)
    cohort.interview_date = clock().date() + timedelta(days=20)
    cohort.save()
    same()
    assert context_aim().interview is not None
    StudyPlan.objects.create(
        user=learner, interview_date=clock().date() + timedelta(days=9), target_recall=0.95
    )
    same()
    assert context_aim().target == 0.95


def test_the_fit_is_queued_on_the_review_that_completes_each_few_hundred(
    learner, mini_course, clock, settings, monkeypatch
):
    """The trigger counts the learner's reviews from their per-day counts (read with the aim):
    no count over the log."""
    queued = []
    monkeypatch.setattr(
        "apps.study.tasks.memory_fit_enqueue_on_commit", lambda user_id: queued.append(user_id)
    )
    settings.STUDY_FIT_EVERY_REVIEWS = 3
    for index in range(7):
        clock.advance(days=1)
        services.review_record(user=learner, card=mini_course.card("b1"), rating=3)
        assert len(queued) == (index + 1) // 3
    assert ReviewLog.objects.filter(user=learner).count() == 7
    services.review_record(user=learner, card=mini_course.card("b1"), rating=3, idempotency_key="k")
    services.review_record(
        user=learner, card=mini_course.card("b1"), rating=3, idempotency_key="k"
    )  # a repeat counts once
    assert len(queued) == 2
    services.review_record(user=learner, card=mini_course.card("b1"), rating=3)
    assert queued == [learner.pk] * 3
