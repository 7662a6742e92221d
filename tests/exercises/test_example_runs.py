"""Example runs: the example tests only, through the grading task, never counted. The jail is
replaced by a canned result here; Chromium runs the real worker and jail (tests/e2e/test_editor.py).
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.cohorts import selectors as cohort_selectors
from apps.exercises import selectors, services, tasks
from apps.exercises.models import ExampleRun, Submission, TestResult
from apps.exercises.services import example_runs
from apps.sandbox.results import GradeResult
from apps.study.models import ReviewLog
from tests.exercises.test_services import GOOD, grade_result
from tests.factories import CohortFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def sent(monkeypatch):
    """Example-run tasks recorded instead of sent: a list of run ids."""
    ids: list[int] = []
    monkeypatch.setattr(tasks.grade_example_run, "publish", lambda run_id: ids.append(run_id))
    return ids


@pytest.fixture
def jail(monkeypatch):
    """The sandbox's grade() replaced: records the test files it was given and fails the
    example (at line 3 of the learner's code, as the sandbox located it)."""
    calls: list[dict] = []

    def fake_grade(**kwargs):
        calls.append(kwargs)
        return grade_result(
            "fail",
            tests=[
                {"name": "adds two small numbers", "status": "fail", "file": "example_test.js",
                 "message": "TypeError: add is not a function (submission.js line 3)",
                 "output": "debug\n", "line": 3},
            ],
        )  # fmt: skip

    monkeypatch.setattr(tasks, "grade", fake_grade)
    return calls


@pytest.fixture
def ada(client, learner, password):
    client.login(username=learner.username, password=password)
    return client


def run_examples(user, exercise, code=GOOD) -> ExampleRun:
    return example_runs.example_run_create(user=user, exercise=exercise, code=code)


# Creating and grading


def test_a_run_is_queued_and_published_after_commit(
    learner, exercise, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = run_examples(learner, exercise)
    assert run.state == ExampleRun.State.QUEUED and run.enqueued_at is not None
    assert sent == [run.pk]
    assert not Submission.objects.exists()


def test_the_task_grades_the_example_tests_only_and_records_no_review(
    learner, exercise, sent, jail
):
    run = run_examples(learner, exercise)
    result = tasks.grade_example_run.apply(args=(run.pk,), task_id="example-1")
    assert result.successful(), result.traceback

    assert list(jail[0]["tests"]) == ["example_test.js"]
    assert jail[0]["tests"]["example_test.js"] == exercise.example_tests
    run.refresh_from_db()
    assert run.state == ExampleRun.State.FAILED and run.attempts == 1 and run.wall_ms == 42
    assert run.results[0]["name"] == "adds two small numbers"
    assert not Submission.objects.exists()
    assert not TestResult.objects.exists()
    assert not ReviewLog.objects.exists(), "an example run is not a review"

    row = selectors.example_run_get(user=learner, run_id=run.pk).rows[0]
    assert not row.passed and row.code_line == 3


def test_a_finished_run_is_not_graded_again(learner, exercise, sent, jail):
    run = run_examples(learner, exercise)
    tasks.grade_example_run.apply(args=(run.pk,), task_id="example-1")
    tasks.grade_example_run.apply(args=(run.pk,), task_id="example-2")
    assert len(jail) == 1


def test_an_unavailable_sandbox_is_an_error_saying_so(learner, exercise, sent, monkeypatch):
    monkeypatch.setattr(
        tasks, "grade", lambda **kwargs: GradeResult.unavailable_jail("no user namespaces")
    )
    run = run_examples(learner, exercise)
    tasks.grade_example_run.apply(args=(run.pk,))
    run.refresh_from_db()
    assert run.state == ExampleRun.State.ERROR and run.verdict == "sandbox_error"
    assert "no user namespaces" in run.message


# Limits: its own cap, never the submission cap


def test_example_runs_do_not_use_the_submission_cap(learner, exercise, sent, published, settings):
    settings.EXERCISE_SUBMISSIONS_PER_MINUTE = 2
    settings.EXERCISE_EXAMPLE_RUNS_PER_MINUTE = 20
    for _ in range(5):
        run = run_examples(learner, exercise)
        ExampleRun.objects.filter(pk=run.pk).update(state=ExampleRun.State.PASSED)
    # Five example runs in the minute, and the learner can still submit twice.
    for _ in range(2):
        submission = services.submission_create(user=learner, exercise=exercise, code=GOOD)
        Submission.objects.filter(pk=submission.pk).update(state=Submission.State.FAILED)
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submission_create(user=learner, exercise=exercise, code=GOOD)
    assert refused.value.reason == "rate_limited"
    # ...and submissions at their cap do not stop example runs.
    run_examples(learner, exercise)


def test_example_runs_have_their_own_cap(learner, exercise, sent, settings):
    settings.EXERCISE_EXAMPLE_RUNS_PER_MINUTE = 3
    for _ in range(3):
        run = run_examples(learner, exercise)
        ExampleRun.objects.filter(pk=run.pk).update(state=ExampleRun.State.PASSED)
    with pytest.raises(services.SubmissionRefused) as refused:
        run_examples(learner, exercise)
    assert refused.value.reason == "rate_limited"
    assert "3 times in the last minute" in refused.value.message
    ExampleRun.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    run_examples(learner, exercise)  # a minute later


def test_one_run_in_flight_per_exercise_and_the_usual_code_checks(
    learner, exercise, py_exercise, sent, settings
):
    run_examples(learner, exercise)
    with pytest.raises(services.SubmissionRefused) as refused:
        run_examples(learner, exercise)
    assert refused.value.reason == "in_flight"
    run_examples(learner, py_exercise, code="def add(a, b):\n    return a + b\n")
    with pytest.raises(services.SubmissionRefused) as refused:
        run_examples(learner, py_exercise, code="  \n")
    assert refused.value.reason == "empty"
    settings.EXERCISE_CODE_MAX_BYTES = 10
    with pytest.raises(services.SubmissionRefused) as refused:
        ExampleRun.objects.update(state=ExampleRun.State.PASSED)
        run_examples(learner, exercise, code="x" * 11)
    assert refused.value.reason == "too_large"


# Nothing counts them


def test_attempts_reviews_dashboards_and_exports_ignore_example_runs(
    learner, exercise, sent, jail, published, password
):
    instructor = UserFactory(username="ines", password=password, instructor=True)
    cohort = CohortFactory(instructor=instructor, name="Spring")
    MembershipFactory(cohort=cohort, user=learner)
    for task_id in ("a", "b"):
        run = run_examples(learner, exercise)
        tasks.grade_example_run.apply(args=(run.pk,), task_id=task_id)
    assert ExampleRun.objects.filter(state=ExampleRun.State.FAILED).count() == 2

    listed = {item.slug: item for item in selectors.exercise_list(user=learner)}[exercise.slug]
    assert listed.attempts == 0 and listed.status.key == "new"
    assert selectors.exercise_page(exercise=exercise, user=learner).history == []
    stats = {row.slug: row for row in cohort_selectors.cohort_exercise_stats(cohort=cohort)}
    assert stats[exercise.slug].attempts == 0 and stats[exercise.slug].learners == 0
    assert list(cohort_selectors.export_submissions(cohort=cohort)) == []

    # The first real submission is still a first try: a pass records Easy.
    submission = services.submission_create(user=learner, exercise=exercise, code=GOOD)
    claim = services.submission_claim(submission_id=submission.pk, task_id="s", worker="w")
    services.submission_record_result(claim=claim, result=grade_result("pass"))
    assert ReviewLog.objects.get().rating == ReviewLog.Rating.EASY


def test_the_sweep_hands_out_a_run_a_dead_worker_left(learner, exercise, sent):
    now = timezone.now()
    stale = run_examples(learner, exercise)
    ExampleRun.objects.filter(pk=stale.pk).update(
        state=ExampleRun.State.RUNNING,
        attempts=1,
        started_at=now - timedelta(hours=1),
        enqueued_at=now - timedelta(hours=1),
    )
    assert example_runs.example_runs_sweep(now=now) == [stale.pk]
    assert sent[-1] == stale.pk
    claim = example_runs.example_run_claim(run_id=stale.pk, task_id="new", worker="w:2")
    assert claim is not None and claim.attempt == 2
    assert example_runs.example_run_claim(run_id=stale.pk, task_id="other", worker="w:3") is None


# Views: full page and htmx partial


def test_run_examples_as_htmx_answers_the_polling_partial(ada, learner, exercise, sent):
    url = reverse("exercises:examples", args=[exercise.slug])
    response = ada.post(url, {"code": GOOD}, headers=HTMX)
    assert response.status_code == 200
    run = ExampleRun.objects.get()
    html = response.content.decode()
    assert "<html" not in html
    assert "Examples: queued" in html and "not counted as an attempt" in html
    assert f'hx-get="{reverse("exercises:example_run", args=[run.pk])}"' in html
    assert not Submission.objects.exists()


def test_run_examples_without_javascript_redirects_to_the_page_showing_the_run(
    ada, learner, exercise, sent, jail
):
    url = reverse("exercises:examples", args=[exercise.slug])
    response = ada.post(url, {"code": "// mine\n" + GOOD})
    run = ExampleRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{exercise.get_absolute_url()}?example_run={run.pk}#results"

    page = ada.get(f"{exercise.get_absolute_url()}?example_run={run.pk}")
    html = page.content.decode()
    assert "Examples: queued" in html and 'http-equiv="refresh"' in html
    assert "// mine" in html, "the editor keeps the code that was run"

    tasks.grade_example_run.apply(args=(run.pk,))
    html = ada.get(f"{exercise.get_absolute_url()}?example_run={run.pk}").content.decode()
    assert "Examples: failed" in html and "0 of 1 example test passed" in html
    assert 'data-code-line="3"' in html and 'http-equiv="refresh"' not in html
    assert "No submissions yet." in html


def test_polling_an_example_run(ada, learner, exercise, sent, jail):
    run = run_examples(learner, exercise)
    url = reverse("exercises:example_run", args=[run.pk])
    assert "Examples: queued" in ada.get(url, headers=HTMX).content.decode()
    tasks.grade_example_run.apply(args=(run.pk,))
    html = ada.get(url, headers=HTMX).content.decode()
    assert "Examples: failed" in html and "hx-get" not in html and "test-table" in html
    plain = ada.get(url)
    assert plain.status_code == 302 and plain["Location"].endswith(f"?example_run={run.pk}#results")


def test_refusals_say_why(ada, learner, exercise, sent, settings):
    settings.EXERCISE_EXAMPLE_RUNS_PER_MINUTE = 1
    url = reverse("exercises:examples", args=[exercise.slug])
    ada.post(url, {"code": GOOD}, headers=HTMX)
    ExampleRun.objects.update(state=ExampleRun.State.PASSED)
    partial = ada.post(url, {"code": GOOD}, headers=HTMX)
    assert partial.status_code == 200 and "last minute" in partial.content.decode()
    page = ada.post(url, {"code": "// kept\n"})
    assert page.status_code == 429 and "// kept" in page.content.decode()


def test_only_the_learner_sees_their_run(client, other_learner, password, learner, exercise, sent):
    run = run_examples(learner, exercise)
    url = reverse("exercises:example_run", args=[run.pk])
    assert client.get(url, headers=HTMX).status_code == 404
    page = f"{exercise.get_absolute_url()}?example_run={run.pk}"
    assert client.get(page).status_code == 404
    client.login(username=other_learner.username, password=password)
    assert client.get(url, headers=HTMX).status_code == 404
    assert client.get(page).status_code == 404
    visitor_post = client.logout() or client.post(
        reverse("exercises:examples", args=[exercise.slug]), {"code": GOOD}
    )
    assert visitor_post.status_code == 302 and "/accounts/login/" in visitor_post["Location"]


def test_the_page_offers_both_buttons_and_says_what_each_does(ada, exercise):
    html = ada.get(exercise.get_absolute_url()).content.decode()
    assert ">Run examples</button>" in html and ">Submit</button>" in html
    assert "not counted as an attempt" in html
    assert 'formaction="/exercises/add-javascript/examples/"' in html
    assert "codemirror.min.js" in html and 'data-plain="0"' in html


def test_a_second_click_while_running_keeps_the_run_on_screen(ada, learner, exercise, sent):
    url = reverse("exercises:examples", args=[exercise.slug])
    ada.post(url, {"code": GOOD}, headers=HTMX)
    html = ada.post(url, {"code": GOOD}, headers=HTMX).content.decode()
    run = ExampleRun.objects.get()
    assert "still running" in html
    assert f'hx-get="{reverse("exercises:example_run", args=[run.pk])}"' in html


def test_the_sweep_deletes_finished_runs_after_a_week(learner, exercise, sent):
    now = timezone.now()
    old = run_examples(learner, exercise)
    ExampleRun.objects.filter(pk=old.pk).update(
        state=ExampleRun.State.PASSED, created_at=now - timedelta(days=8)
    )
    recent = run_examples(learner, exercise)
    ExampleRun.objects.filter(pk=recent.pk).update(
        state=ExampleRun.State.PASSED, created_at=now - timedelta(days=6)
    )
    example_runs.example_runs_sweep(now=now)
    assert list(ExampleRun.objects.values_list("pk", flat=True)) == [recent.pk]
