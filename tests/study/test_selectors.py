"""The review queue and due counts."""

from datetime import timedelta

import pytest

from apps.content.models import Card
from apps.study import selectors, services

pytestmark = pytest.mark.django_db


def next_slug(user, now, **kwargs) -> str | None:
    item = selectors.review_next(user=user, now=now, **kwargs)
    return item and item.card.slug


def test_new_cards_come_in_course_order_up_to_the_daily_cap(learner, mini_course, clock):
    services.study_plan_set_new_cards(user=learner, new_cards_per_day=3)
    served = []
    while (item := selectors.review_next(user=learner, now=clock())) and item.kind == "new":
        served.append(item.card.slug)
        services.review_record(user=learner, card=item.card, rating=4)
    assert served == ["b1", "b2", "b3"]
    assert selectors.due_summary(user=learner, now=clock()).new_left == 0

    clock.advance(days=1)  # a new day, a new allowance (the Easy cards are not due for 8 days)
    assert next_slug(learner, clock()) == "a1"
    assert selectors.due_summary(user=learner, now=clock()).new_left == 3


def test_cards_first_rated_on_a_lesson_page_count_against_the_cap(learner, mini_course, clock):
    services.study_plan_set_new_cards(user=learner, new_cards_per_day=2)
    services.review_record(user=learner, card=mini_course.card("t1"), rating=4, source="lesson")
    summary = selectors.due_summary(user=learner, now=clock())
    assert (summary.new_today, summary.new_left, summary.unseen) == (1, 1, 6)


def test_the_most_overdue_card_comes_first(learner, mini_course, clock):
    services.review_record(user=learner, card=mini_course.card("a1"), rating=4)
    clock.advance(hours=1)
    services.review_record(user=learner, card=mini_course.card("b3"), rating=4)
    clock.advance(days=10)
    item = selectors.review_next(user=learner, now=clock())
    assert (item.card.slug, item.kind) == ("a1", "due")
    assert selectors.due_summary(user=learner, now=clock()).due == 2


def test_learning_steps_due_soon_are_shown_once_nothing_else_is_left(learner, mini_course, clock):
    services.study_plan_set_new_cards(user=learner, new_cards_per_day=1)
    services.review_record(user=learner, card=mini_course.card("b1"), rating=3)  # due in 10 min
    item = selectors.review_next(user=learner, now=clock())
    assert (item.card.slug, item.kind) == ("b1", "ahead")
    services.review_record(user=learner, card=mini_course.card("b1"), rating=3)  # graduates
    assert selectors.review_next(user=learner, now=clock()) is None


def test_a_session_can_be_limited_to_a_track(learner, mini_course, clock):
    assert next_slug(learner, clock(), track=mini_course.services) == "t1"


def test_retired_cards_are_never_served_or_counted(learner, mini_course, clock):
    services.review_record(user=learner, card=mini_course.card("b1"), rating=1)
    Card.objects.filter(slug__in=["b1", "b2"]).update(is_retired=True)
    clock.advance(minutes=5)
    assert next_slug(learner, clock()) == "b3"
    summary = selectors.due_summary(user=learner, now=clock())
    assert (summary.due, summary.unseen) == (0, 5)


def test_due_summary_is_two_queries(learner, mini_course, clock, django_assert_num_queries):
    for card in mini_course.cards:
        services.review_record(user=learner, card=card, rating=2)
    with django_assert_num_queries(2):
        summary = selectors.due_summary(user=learner, now=clock() + timedelta(hours=1))
    assert summary.due == len(mini_course.cards)
