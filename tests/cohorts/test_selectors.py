"""Dashboard reads: each figure against data made through the real services, the study app's
own progress definitions, and a number of queries that does not depend on cohort size."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from apps.cohorts import selectors, services
from apps.cohorts.demo import demo_cohort_seed
from apps.cohorts.selectors import needs_help
from apps.cohorts.templatetags.cohort_tags import heat_cell
from apps.study import selectors as study_selectors
from apps.study import services as study
from apps.study.models import CardState
from tests.cohorts.conftest import run
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def review(user, card, *ratings):
    for rating in ratings:
        study.review_record(user=user, card=card, rating=rating)


# Who sees what


def test_only_the_instructor_and_staff_see_a_cohort(
    cohort, instructor, other_instructor, staff, learner
):
    assert selectors.cohort_get(user=instructor, pk=cohort.pk) == cohort
    assert selectors.cohort_get(user=staff, pk=cohort.pk) == cohort
    for someone in (other_instructor, learner):
        with pytest.raises(Http404):
            selectors.cohort_get(user=someone, pk=cohort.pk)
    assert selectors.cohort_list(user=other_instructor) == []
    assert selectors.cohort_list(user=learner) == []
    assert [c.learner_count for c in selectors.cohort_list(user=staff)] == [0]


def test_a_learner_is_found_only_through_a_cohort_they_are_in(
    cohort, instructor, member, other_learner
):
    found = selectors.cohort_learner_get(cohort=cohort, user_id=member.pk)
    assert found == member and found.joined_at is not None
    with pytest.raises(Http404):
        selectors.cohort_learner_get(cohort=cohort, user_id=other_learner.pk)


def test_a_submission_is_found_only_through_its_learner(member, other_learner, exercise):
    mine = run(member, exercise, "failed", failing=("adds negative numbers",))
    theirs = run(other_learner, exercise, "passed")
    found = selectors.cohort_submission_get(learner=member, submission_id=mine.pk)
    assert found.tests_passed == 2 and len(found.test_results) == 3
    with pytest.raises(Http404):
        selectors.cohort_submission_get(learner=member, submission_id=theirs.pk)


# Heatmap


def test_heatmap_cells_use_the_study_definitions(cohort, member, course_small, exercise, clock):
    review(member, course_small.card("b1"), 4)  # Easy: straight to Review (learned)
    review(member, course_small.card("b2"), 3)  # Good: still learning (seen)
    review(member, course_small.card("a1"), 4)
    CardState.objects.filter(user=member, card=course_small.card("a1")).update(stability=30.0)

    heatmap = selectors.cohort_heatmap(cohort=cohort, metric="learned")
    (row,) = heatmap.rows
    cells = {cell.lesson.slug: cell for cell in row.cells}
    lessons = study_selectors.progress_attach_to_lessons(
        user=member,
        track=course_small.basics.track,
        lessons=course_small.basics.track.lessons.live().annotate(card_count=Count("cards")),
    )
    for lesson in lessons:
        assert cells[lesson.slug].progress == lesson.progress
    assert (cells["basics"].progress.seen, cells["basics"].progress.learned) == (2, 1)
    assert cells["basics"].pct == 25 and cells["basics"].level == 2
    assert cells["advanced"].progress.mastered == 1
    assert row.overall.seen == 3 and row.last_active == clock().date()
    basics = heat_cell(cells["basics"])  # the cell's markup, as the heatmap writes it
    assert "25%" in basics and "learned, 1 of 4 cards" in basics
    assert "not started" in heat_cell(cells["test-lesson"])


def test_heatmap_sorts_by_a_lessons_figure_and_pages(cohort, course_small, password, clock):
    people = []
    for index, name in enumerate(["Cleo", "alba", "Bruno"]):
        person = UserFactory(username=f"p{index}", password=password, display_name=name)
        services.cohort_join(user=person, cohort=cohort)
        people.append(person)
    review(people[0], course_small.card("b1"), 4)
    review(people[0], course_small.card("b2"), 4)
    review(people[2], course_small.card("b1"), 4)

    by_name = selectors.cohort_heatmap(cohort=cohort)
    assert [r.learner.public_name for r in by_name.rows] == ["alba", "Bruno", "Cleo"]
    reverse = selectors.cohort_heatmap(cohort=cohort, descending=True)
    assert [r.learner.public_name for r in reverse.rows] == ["Cleo", "Bruno", "alba"]

    key = f"lesson-{course_small.basics.pk}"
    best = selectors.cohort_heatmap(cohort=cohort, sort=key, descending=True, metric="learned")
    assert [r.learner.public_name for r in best.rows] == ["Cleo", "Bruno", "alba"]
    assert best.sort_label == "learned in Basics"

    paged = selectors.cohort_heatmap(cohort=cohort, page_size=2, page_number=2)
    assert [r.learner.public_name for r in paged.rows] == ["Cleo"]
    assert paged.page.paginator.count == 3

    unknown = selectors.cohort_heatmap(cohort=cohort, sort="lesson-999999", metric="bogus")
    assert (unknown.sort, unknown.metric) == ("name", "mastered")


# Cohort-wide figures


def test_summary_counts_learners_activity_reviews_and_passes(
    cohort, member, other_learner, course_small, exercise, clock
):
    services.cohort_join(user=other_learner, cohort=cohort)
    review(member, course_small.card("b1"), 3, 3)
    clock.advance(days=-10)
    review(other_learner, course_small.card("b1"), 3)
    clock.advance(days=10)
    run(member, exercise, "failed", failing=("adds negative numbers",))
    run(member, exercise, "passed")
    run(member, exercise, "passed")

    summary = selectors.cohort_summary(cohort=cohort, today=clock().date(), now=clock())
    assert summary.learners == 2
    assert summary.active_7_days == 1
    assert (summary.reviews_7_days, summary.reviews_30_days) == (2, 3)
    assert (summary.exercises_passed, summary.learners_passed) == (1, 1)


def test_help_flags_overdue_again_and_repeated_failures(
    cohort, member, other_learner, course_small, exercise, clock, monkeypatch
):
    monkeypatch.setattr(needs_help, "OVERDUE_MIN_CARDS", 3)
    monkeypatch.setattr(needs_help, "AGAIN_MIN", 2)
    services.cohort_join(user=other_learner, cohort=cohort)
    for card in course_small.cards[:4]:
        review(member, card, 4)
    clock.advance(days=60)  # every Easy card is long overdue now
    review(other_learner, course_small.card("a1"), 1, 1, 3)
    for _ in range(3):
        run(other_learner, exercise, "failed", failing=("adds negative numbers",))
    for _ in range(3):
        run(member, exercise, "failed", failing=("adds negative numbers",))
    run(member, exercise, "passed")  # failed three times, then passed: fine

    entries = {
        e.username: e
        for e in selectors.cohort_help(cohort=cohort, now=clock(), today=clock().date())
    }
    assert entries["ada"].overdue == 4 and entries["ada"].exercises == []
    grace = entries["grace"]
    assert (grace.again, grace.reviews, grace.again_pct) == (2, 3, 67)
    assert [(e.slug, e.fails) for e in grace.exercises] == [(exercise.slug, 3)]


def test_hardest_cards_rank_by_lapse_rate_among_enough_learners(
    cohort, course_small, password, clock
):
    people = [UserFactory(username=f"h{i}", password=password) for i in range(3)]
    for person in people:
        services.cohort_join(user=person, cohort=cohort)
        review(person, course_small.card("b1"), 1, 3)  # one Again in two reviews
        review(person, course_small.card("b2"), 3, 3, 3)
    review(people[0], course_small.card("a1"), 1, 1)  # hard, but one learner says little
    review(people[0], course_small.card("b2"), 1)

    hardest = selectors.cohort_hardest_cards(cohort=cohort)
    assert [h.slug for h in hardest] == ["b1", "b2"]
    assert (hardest[0].lapses, hardest[0].reps, hardest[0].lapse_rate_pct) == (3, 6, 50)
    assert (hardest[0].learners, hardest[0].lapsed_learners, hardest[0].lapsed_pct) == (3, 3, 100)
    assert (hardest[1].lapses, hardest[1].reps, hardest[1].lapsed_learners) == (1, 10, 1)


def test_exercise_stats(cohort, course_small, exercise, password):
    people = [UserFactory(username=f"e{i}", password=password) for i in range(4)]
    for person in people:
        services.cohort_join(user=person, cohort=cohort)
    negative, zero = "adds negative numbers", "adding zero changes nothing"
    run(people[0], exercise, "passed")  # first try
    run(people[1], exercise, "failed", failing=(negative,))
    run(people[1], exercise, "passed")  # second try
    run(people[1], exercise, "passed")  # a pass after the first does not count again
    for _ in range(3):
        run(people[2], exercise, "failed", failing=(negative, zero))
    run(people[2], exercise, "passed")  # fourth try
    run(people[3], exercise, "failed", failing=(zero,))
    run(people[3], exercise, "error")  # the learner's own error: an attempt
    platform = run(people[3], exercise, "error")
    platform.retryable = True
    platform.save()

    (stats,) = [
        s for s in selectors.cohort_exercise_stats(cohort=cohort) if s.slug == exercise.slug
    ]
    assert (stats.learners, stats.learners_passed, stats.pass_rate_pct) == (4, 3, 75)
    assert stats.attempts == 10
    assert stats.median_attempts_to_pass == 2
    assert [(t.name, t.failures, t.learners) for t in stats.failed_tests] == [
        (zero, 4, 2),  # ties by name
        (negative, 4, 2),
    ]


@pytest.mark.parametrize(
    ("counts", "median"),
    [
        ([], None),
        ([(1, 1)], 1),
        ([(1, 2), (3, 1)], 1),
        ([(1, 1), (2, 1)], 1.5),
        ([(2, 3), (5, 1)], 2),
    ],
)
def test_median_of_a_histogram(counts, median):
    assert selectors.median_of_histogram(counts) == median


def test_activity_counts_reviews_learners_and_runs_per_day(
    cohort, member, other_learner, course_small, exercise, clock
):
    services.cohort_join(user=other_learner, cohort=cohort)
    review(member, course_small.card("b1"), 3, 3)
    review(other_learner, course_small.card("b1"), 3)
    run(member, exercise, "passed", at=clock() - timedelta(days=2))
    days = selectors.cohort_activity(
        cohort=cohort, today=clock().date(), zone=selectors.cohort_zone(cohort)
    )
    assert len(days) == 30 and days[-1].day == clock().date()
    assert (days[-1].reviews, days[-1].learners) == (3, 2)
    assert (days[-3].runs, days[-3].passes) == (1, 1)
    assert sum(d.reviews for d in days) == 3


def test_figures_survive_their_json_round_trip(cohort, member, course_small, exercise, clock):
    review(member, course_small.card("b1"), 1, 1, 1)
    for _ in range(3):
        run(member, exercise, "failed", failing=("adds negative numbers",))
    figures = selectors.cohort_figures_compute(cohort=cohort, now=clock())
    assert selectors.Figures.from_data(figures.to_data()) == figures
    assert figures.chart.total == 3


# Queries do not grow with the cohort


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def test_the_dashboard_figures_cost_the_same_queries_for_any_cohort_size(
    instructor, course_small, exercise, clock
):
    small = demo_cohort_seed(instructor=instructor, learners=2, days=10, name="Small").cohort
    large = demo_cohort_seed(instructor=instructor, learners=12, days=10, name="Large").cohort
    for query in (
        lambda cohort: selectors.cohort_figures_compute(cohort=cohort, now=clock()),
        lambda cohort: selectors.cohort_heatmap(cohort=cohort, page_size=5),
        lambda cohort: selectors.cohort_heatmap(
            cohort=cohort, page_size=5, sort=f"lesson-{course_small.basics.pk}"
        ),
    ):
        assert _count(lambda q=query: q(small)) == _count(lambda q=query: q(large))


def test_exercise_stats_show_hint_use_and_the_known_mistakes_made_most(
    cohort, course_small, exercise, password
):
    from apps.exercises.models import HintReveal, Submission

    people = [UserFactory(username=f"h{i}", password=password) for i in range(3)]
    for person in people:
        services.cohort_join(user=person, cohort=cohort)
    outsider = UserFactory(username="outsider", password=password)
    for person, rungs in ((people[0], 2), (people[1], 1), (outsider, 2)):
        for rung in range(1, rungs + 1):
            HintReveal.objects.create(user=person, exercise=exercise, rung=rung, kind="hint")
    HintReveal.objects.create(
        user=people[0], exercise=exercise, rung=3, kind="test", test_name="adds negative numbers"
    )
    for person, mistake in (
        (people[0], "subtracts.js"),
        (people[0], "subtracts.js"),
        (people[1], "subtracts.js"),
        (people[2], "prints-pass.js"),
        (outsider, "prints-pass.js"),
    ):
        Submission.objects.filter(pk=run(person, exercise, "failed").pk).update(mistake=mistake)

    (stats,) = [
        s for s in selectors.cohort_exercise_stats(cohort=cohort) if s.slug == exercise.slug
    ]
    assert (stats.hint_learners, stats.hints_taken, stats.test_code_learners) == (2, 3, 1)
    assert [(m.mistake, m.title, m.runs, m.learners) for m in stats.mistakes] == [
        ("subtracts.js", "Subtracts instead of adding", 3, 2),
        ("prints-pass.js", "Fakes the results", 1, 1),
    ]
