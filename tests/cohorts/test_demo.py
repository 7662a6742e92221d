"""seed_demo: a realistic cohort (reviews that follow FSRS, runs that pass and fail), written
with bulk inserts, idempotent for `make run`."""

from collections import Counter, defaultdict
from datetime import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.cohorts.demo import harness_test_names
from apps.cohorts.models import Cohort
from apps.exercises.models import HintReveal, Submission, TestResult
from apps.study import scheduling
from apps.study.models import CardState, ReviewDay, ReviewLog
from tests.exercise_sources import JS, PY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def seed(*args: str) -> None:
    call_command("seed_demo", *args, "--force")


def test_it_seeds_a_cohort_once(instructor, course_small, exercise, capsys):
    seed("--learners", "6", "--days", "20", "--instructor", instructor.username)
    cohort = Cohort.objects.get(instructor=instructor, name="Demo cohort")
    assert cohort.memberships.count() == 6
    assert cohort.interview_date is not None
    assert "6 learners" in capsys.readouterr().out

    seed("--learners", "6", "--days", "20", "--instructor", instructor.username)
    assert "nothing to do" in capsys.readouterr().out
    assert Cohort.objects.count() == 1 and cohort.memberships.count() == 6

    old = cohort.pk
    seed("--learners", "3", "--days", "20", "--instructor", instructor.username, "--reset")
    cohort = Cohort.objects.get(instructor=instructor, name="Demo cohort")
    assert cohort.memberships.count() == 3
    assert not ReviewLog.objects.filter(user__username__startswith=f"demo-{old}-").exists()
    assert ReviewLog.objects.filter(user__username__startswith=f"demo-{cohort.pk}-").exists()


def test_it_creates_the_instructor_when_missing_and_refuses_a_learner(course_small, learner):
    seed("--learners", "2", "--days", "5", "--instructor", "newteacher")
    assert Cohort.objects.get().instructor.is_instructor
    with pytest.raises(CommandError, match="neither an instructor nor staff"):
        seed("--learners", "2", "--days", "5", "--instructor", learner.username)


def test_it_refuses_to_run_without_debug_unless_forced(course_small, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", "--learners", "1")


def test_reviews_follow_the_fsrs_schedule(instructor, course_small, clock):
    seed("--learners", "4", "--days", "30", "--instructor", instructor.username)
    logs = ReviewLog.objects.order_by("user_id", "card_id", "reviewed_at", "pk")
    assert logs.count() > 4 * len(course_small.cards)
    last: dict[tuple[int, int], ReviewLog] = {}
    for log in logs:
        key = (log.user_id, log.card_id)
        previous = last.get(key)
        if previous is None:
            assert log.state_before is None
        else:
            assert log.state_before == previous.state_after
            assert log.reviewed_at >= datetime.fromisoformat(previous.state_after["due"])
        after = scheduling.fsrs_card_load(log.state_after)
        assert after.last_review == log.reviewed_at
        assert log.reviewed_at <= clock()
        last[key] = log
    states = {(s.user_id, s.card_id): s for s in CardState.objects.all()}
    assert set(states) == set(last)
    lapses = Counter((log.user_id, log.card_id) for log in logs if log.rating == 1)
    reps = Counter((log.user_id, log.card_id) for log in logs)
    for key, state in states.items():
        assert state.fsrs == last[key].state_after
        assert (state.reps, state.lapses) == (reps[key], lapses[key])
        assert state.due == datetime.fromisoformat(state.fsrs["due"])
    per_day = defaultdict(Counter)
    for log in logs:
        zone = scheduling_zone(log.user)
        per_day[log.user_id][log.reviewed_at.astimezone(zone).date()] += 1
    for day in ReviewDay.objects.all():
        assert day.reviews == per_day[day.user_id][day.day]


def scheduling_zone(user):
    from apps.core.clock import learner_zone

    return learner_zone(user)


def test_runs_pass_and_fail_with_the_exercises_own_tests(instructor, course_small, exercise):
    seed("--learners", "30", "--days", "20", "--instructor", instructor.username, "--seed", "3")
    runs = Submission.objects.all()
    assert runs.filter(state="passed").exists() and runs.filter(state="failed").exists()
    assert {run.code for run in runs.filter(state="passed")} == {exercise.solution_code}
    assert {run.code for run in runs.filter(state="failed")} <= set(
        exercise.wrong_solutions.values()
    )
    names = set(
        harness_test_names(exercise.example_tests) + harness_test_names(exercise.hidden_tests)
    )
    assert set(TestResult.objects.values_list("name", flat=True)) == names
    for run in runs.filter(state="failed")[:20]:
        assert run.results.filter(status="fail", is_example=False).exists()
    for run in runs.filter(state="passed")[:20]:
        assert not run.results.exclude(status="pass").exists()


def test_the_dashboard_has_hint_use_and_named_mistakes_to_show(instructor, course_small, exercise):
    seed("--learners", "30", "--days", "20", "--instructor", instructor.username, "--seed", "3")
    failed = Submission.objects.filter(state="failed")
    assert failed.exists()
    for run in failed:  # each failed run is one of the exercise's wrong solutions, named as such
        assert exercise.wrong_solutions[run.mistake] == run.code
    assert not Submission.objects.filter(state="passed").exclude(mistake="").exists()
    reveals = HintReveal.objects.filter(exercise=exercise)
    assert reveals.exists(), "some learners took hints"
    assert {r.rung for r in reveals} <= set(range(1, len(exercise.hints) + 1))
    assert set(reveals.values_list("kind", flat=True)) == {HintReveal.Kind.HINT}


def test_test_names_are_read_from_both_harnesses():
    assert harness_test_names(JS["hidden"]) == [
        "adds negative numbers",
        "adding zero changes nothing",
    ]
    assert harness_test_names(PY["hidden"]) == [
        "adds negative numbers",
        "adding zero changes nothing",
    ]


def test_the_demo_learner_gets_a_history_a_cohort_and_memory_fits(
    instructor, course_small, password
):
    from apps.study.models import MemoryFit

    demo_learner = UserFactory(username="learner", password=password)
    seed("--learners", "3", "--instructor", instructor.username)

    cohort = Cohort.objects.get(instructor=instructor, name="Demo cohort")
    assert cohort.memberships.filter(user=demo_learner).exists()
    assert ReviewLog.objects.filter(user=demo_learner).count() > 4 * len(course_small.cards)
    assert MemoryFit.objects.filter(user__isnull=True).count() == 1
    assert MemoryFit.objects.filter(user=demo_learner).count() == 1
    assert MemoryFit.objects.filter(user__isnull=False).count() == 4  # every member, kept

    seed("--learners", "3", "--instructor", instructor.username)  # make run, again
    assert MemoryFit.objects.count() == 5  # nothing refitted
