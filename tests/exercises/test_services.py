"""Submissions' lifecycle in the services: creation and its refusals, claims, results, retries
and the sweep. The broker is replaced by a recorder (`published`); the real one is exercised in
tests/integration."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from apps.exercises import services
from apps.exercises.models import GiveUp, Submission, TestResult
from apps.exercises.services import SubmissionRefused, recording
from apps.sandbox import results as sandbox
from tests.factories import SubmissionFactory

pytestmark = pytest.mark.django_db

GOOD = "module.exports = { add: (a, b) => a + b };\n"


def grade_result(status="pass", tests=None, **run):
    """A canned GradeResult, written as the dicts of its JSON contract."""
    tests = tests or [
        {"name": "adds two small numbers", "status": "pass", "message": "", "output": "",
         "file": "example_test.js"},
        {"name": "adds negative numbers", "status": status, "message": "" if status == "pass"
         else "add(-2, -3) should be -5", "output": "debug\n", "file": "tests.js"},
    ]  # fmt: skip
    run = {"verdict": "ok", "exit_code": 0, "stdout": "", "stderr": "", "wall_ms": 42,
           "cpu_ms": 30, "truncated": False, **run}  # fmt: skip
    return sandbox.GradeResult(
        status, None, [sandbox.TestResult(**test) for test in tests], sandbox.RunResult(**run)
    )


def create(user, exercise, code=GOOD, capture=None):
    return services.submission_create(user=user, exercise=exercise, code=code)


def claim(submission, task_id="task-1"):
    return services.submission_claim(submission_id=submission.pk, task_id=task_id, worker="w:1")


# Creating a submission


def test_create_saves_a_queued_row_and_publishes_after_commit(
    learner, exercise, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submission = create(learner, exercise, code="a\r\nb\r\n")
    assert len(callbacks) == 1
    assert published == [submission.pk]
    submission.refresh_from_db()
    assert submission.state == Submission.State.QUEUED
    assert submission.code == "a\nb\n", "CRLF from the browser is normalised"
    assert submission.enqueued_at is not None
    assert submission.message == ""


def test_nothing_is_published_when_the_transaction_rolls_back(
    learner, exercise, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create(learner, exercise)
    assert published == [], "the task must not be sent before the row is committed"
    assert len(callbacks) == 1


def test_broker_down_keeps_the_row_queued_with_a_message(
    learner, exercise, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission = create(learner, exercise)
    submission.refresh_from_db()
    assert submission.state == Submission.State.QUEUED
    assert submission.enqueued_at is None
    assert "queue is unreachable" in submission.message


def test_empty_code_is_refused(learner, exercise, published):
    with pytest.raises(SubmissionRefused) as refused:
        create(learner, exercise, code="  \n ")
    assert refused.value.reason == "empty"
    assert not Submission.objects.exists()


def test_code_over_the_size_cap_is_refused_with_the_sizes(learner, exercise, published, settings):
    settings.EXERCISE_CODE_MAX_BYTES = 2048
    with pytest.raises(SubmissionRefused) as refused:
        create(learner, exercise, code="x" * 4096)
    assert refused.value.reason == "too_large"
    assert "4 KB" in refused.value.message and "2 KB" in refused.value.message
    assert not Submission.objects.exists()
    create(learner, exercise, code="é" * 1024)  # 2048 bytes: exactly at the cap is fine


def test_a_second_submission_while_one_is_in_flight_is_refused(learner, exercise, published):
    first = create(learner, exercise)
    with pytest.raises(SubmissionRefused) as refused:
        create(learner, exercise)
    assert refused.value.reason == "in_flight"
    assert "still being graded" in refused.value.message
    Submission.objects.filter(pk=first.pk).update(state=Submission.State.FAILED)
    create(learner, exercise)


def test_in_flight_limit_is_per_exercise_and_per_learner(
    learner, other_learner, exercise, py_exercise, published
):
    create(learner, exercise)
    create(learner, py_exercise)
    create(other_learner, exercise)
    assert Submission.objects.in_flight().count() == 3


def test_the_database_enforces_one_submission_in_flight(learner, exercise):
    SubmissionFactory(user=learner, exercise=exercise, code="1")
    with pytest.raises(IntegrityError):
        SubmissionFactory(user=learner, exercise=exercise, code="2")


def test_per_minute_cap_counts_every_exercise_and_says_how_long_to_wait(
    learner, exercise, py_exercise, published, settings
):
    settings.EXERCISE_SUBMISSIONS_PER_MINUTE = 2
    create(learner, exercise)
    Submission.objects.update(state=Submission.State.FAILED)
    create(learner, py_exercise)
    Submission.objects.update(state=Submission.State.FAILED)
    with pytest.raises(SubmissionRefused) as refused:
        create(learner, exercise)
    assert refused.value.reason == "rate_limited"
    assert "try again in" in refused.value.message
    Submission.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    create(learner, exercise)


def test_a_new_submission_supersedes_older_retryable_errors(learner, exercise, published):
    old = SubmissionFactory(
        user=learner, exercise=exercise, code="1", state=Submission.State.ERROR, retryable=True
    )
    create(learner, exercise)
    old.refresh_from_db()
    assert not old.retryable, "the sweep must not regrade code the learner has replaced"


# Claiming and recording results


def test_claim_marks_running_and_returns_what_grading_needs(learner, exercise):
    submission = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    got = claim(submission)
    assert got.attempt == 1
    assert got.code == GOOD and got.language == "javascript"
    assert set(got.tests) == {"example_test.js", "tests.js"}
    submission.refresh_from_db()
    assert submission.state == Submission.State.RUNNING
    assert submission.task_id == "task-1" and submission.worker == "w:1"
    assert submission.started_at is not None


def test_a_finished_submission_is_never_claimed_again(learner, exercise):
    submission = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    first = claim(submission)
    services.submission_record_result(claim=first, result=grade_result("pass"))
    assert claim(submission) is None
    assert claim(submission, task_id="another") is None
    assert services.submission_claim(submission_id=10**9, task_id="t", worker="w") is None


def test_a_running_submission_is_left_to_its_live_worker(learner, exercise):
    submission = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    claim(submission, task_id="original")
    assert claim(submission, task_id="duplicate-from-sweep") is None


def test_a_redelivered_task_picks_its_running_submission_up_again(learner, exercise):
    submission = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    first = claim(submission, task_id="same")
    again = claim(submission, task_id="same")
    assert again.attempt == first.attempt + 1
    assert services.submission_record_result(claim=first, result=grade_result()) is False, (
        "the dead worker's claim must not write a result"
    )
    assert services.submission_record_result(claim=again, result=grade_result()) is True


def test_a_stale_running_submission_is_taken_over(learner, exercise, settings):
    submission = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    claim(submission, task_id="killed")
    stale = timezone.now() - timedelta(seconds=settings.EXERCISE_SWEEP_RUNNING_AFTER_SECONDS + 1)
    Submission.objects.filter(pk=submission.pk).update(started_at=stale)
    assert claim(submission, task_id="from-sweep").attempt == 2


def test_too_many_interrupted_attempts_end_in_a_final_error(learner, exercise, settings):
    settings.EXERCISE_MAX_ATTEMPTS = 2
    submission = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    claim(submission, task_id="t")
    claim(submission, task_id="t")
    assert claim(submission, task_id="t") is None
    submission.refresh_from_db()
    assert submission.state == Submission.State.ERROR and not submission.retryable
    assert "interrupted 2 times" in submission.message


def test_recording_a_failure_saves_verdict_timings_and_one_row_per_test(learner, exercise):
    submission = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    assert services.submission_record_result(claim=claim(submission), result=grade_result("fail"))
    saved = Submission.objects.get(pk=submission.pk)
    assert saved.state == Submission.State.FAILED
    assert (saved.verdict, saved.wall_ms, saved.cpu_ms) == ("ok", 42, 30)
    assert saved.finished_at is not None
    rows = list(TestResult.objects.filter(submission=saved))
    assert [(r.position, r.name, r.status, r.is_example) for r in rows] == [
        (0, "adds two small numbers", "pass", True),
        (1, "adds negative numbers", "fail", False),
    ]
    assert rows[1].message == "add(-2, -3) should be -5" and rows[1].output == "debug\n"


def test_grader_error_status_is_a_final_error_with_the_program_output(learner, exercise):
    submission = SubmissionFactory(user=learner, exercise=exercise, code="syntax(")
    result = grade_result("error", tests=[], verdict="runtime_error", exit_code=1,
                          stderr="SyntaxError: Unexpected end of input")  # fmt: skip
    result = replace(result, message="Your code could not be loaded: SyntaxError")
    assert services.submission_record_result(claim=claim(submission), result=result)
    saved = Submission.objects.get(pk=submission.pk)
    assert saved.state == Submission.State.ERROR and not saved.retryable
    assert "SyntaxError" in saved.output and "could not be loaded" in saved.message


def test_an_unavailable_sandbox_leaves_a_retryable_error(learner, exercise, published):
    submission = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    assert services.submission_record_unavailable(
        claim=claim(submission), reason="user namespaces are disabled"
    )
    submission.refresh_from_db()
    assert submission.state == Submission.State.ERROR and submission.retryable
    assert submission.verdict == "sandbox_error"
    assert "user namespaces are disabled" in submission.message
    retried = services.submission_retry(user=learner, submission=submission)
    assert retried.state == Submission.State.QUEUED and not retried.retryable


def test_a_final_result_cannot_be_retried(learner, exercise):
    submission = SubmissionFactory(
        user=learner, exercise=exercise, code=GOOD, state=Submission.State.FAILED
    )
    with pytest.raises(SubmissionRefused):
        services.submission_retry(user=learner, submission=submission)


def test_give_up_is_recorded_once(learner, exercise):
    first = services.exercise_give_up(user=learner, exercise=exercise)
    second = services.exercise_give_up(user=learner, exercise=exercise)
    assert first.pk == second.pk and GiveUp.objects.count() == 1


# The sweep


def _age(submission, **fields):
    Submission.objects.filter(pk=submission.pk).update(**fields)


def test_sweep_enqueues_what_the_broker_never_got_and_what_waited_too_long(
    learner, other_learner, exercise, py_exercise, published, settings
):
    now = timezone.now()
    unpublished = SubmissionFactory(user=learner, exercise=exercise, code="1")
    _age(unpublished, enqueued_at=None, created_at=now - timedelta(seconds=30))
    just_created = SubmissionFactory(user=learner, exercise=py_exercise, code="2")
    _age(just_created, enqueued_at=None)
    waited = SubmissionFactory(user=other_learner, exercise=exercise, code="3")
    _age(
        waited,
        enqueued_at=now - timedelta(seconds=settings.EXERCISE_SWEEP_QUEUED_AFTER_SECONDS + 5),
    )
    fresh = SubmissionFactory(user=other_learner, exercise=py_exercise, code="4",
                              enqueued_at=now)  # fmt: skip

    summary = services.submissions_sweep()

    assert sorted(summary.requeued) == sorted([unpublished.pk, waited.pk])
    assert sorted(published) == sorted([unpublished.pk, waited.pk])
    assert fresh.pk not in published and just_created.pk not in published
    unpublished.refresh_from_db()
    assert unpublished.enqueued_at is not None and unpublished.message == ""
    assert services.submissions_sweep().requeued == [], "the next sweep waits again"


def test_sweep_enqueues_running_submissions_whose_worker_vanished(
    learner, exercise, published, settings
):
    submission = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    claim(submission)
    assert services.submissions_sweep().requeued == []
    long_ago = timezone.now() - timedelta(seconds=settings.EXERCISE_SWEEP_RUNNING_AFTER_SECONDS + 1)
    _age(submission, started_at=long_ago, enqueued_at=long_ago)
    assert services.submissions_sweep().requeued == [submission.pk]
    assert claim(submission, task_id="from-sweep") is not None


def test_sweep_retries_platform_errors_after_a_pause_while_attempts_remain(
    learner, exercise, published, settings
):
    submission = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    services.submission_record_unavailable(claim=claim(submission), reason="no bwrap")
    assert services.submissions_sweep().retried == []
    pause = timedelta(seconds=settings.EXERCISE_SWEEP_ERROR_AFTER_SECONDS + 1)
    _age(submission, finished_at=timezone.now() - pause)
    assert services.submissions_sweep().retried == [submission.pk]
    submission.refresh_from_db()
    assert submission.state == Submission.State.QUEUED and published == [submission.pk]

    services.submission_record_unavailable(claim=claim(submission), reason="no bwrap")
    settings.EXERCISE_MAX_ATTEMPTS = 2
    _age(submission, finished_at=timezone.now() - pause)
    assert services.submissions_sweep().retried == [], "out of attempts: it stays an error"


def test_sweep_stops_at_the_first_broker_failure(learner, other_learner, exercise, broker_down):
    old = timezone.now() - timedelta(minutes=10)
    for user in (learner, other_learner):
        _age(SubmissionFactory(user=user, exercise=exercise, code="1"), enqueued_at=old)
    summary = services.submissions_sweep()
    assert summary.broker_down and summary.requeued == []
    assert Submission.objects.filter(enqueued_at__isnull=True).count() == 1
    assert Submission.objects.filter(state=Submission.State.QUEUED).count() == 2


# Reviews of the exercise's card


@pytest.fixture
def reviews(monkeypatch):
    calls = []
    monkeypatch.setattr(recording, "review_record", lambda **kwargs: calls.append(kwargs))
    return calls


def _graded(user, exercise, status):
    submission = SubmissionFactory(user=user, exercise=exercise, code=GOOD)
    assert services.submission_record_result(claim=claim(submission), result=grade_result(status))
    return Submission.objects.get(pk=submission.pk)


def test_a_first_try_pass_is_an_easy_review(learner, exercise, reviews):
    submission = _graded(learner, exercise, "pass")
    assert reviews == [{
        "user": learner, "card": exercise.primary_card, "rating": 4, "source": "exercise",
        "idempotency_key": f"submission-{submission.pk}",
    }]  # fmt: skip
    assert submission.review == Submission.Review.RECORDED


def test_a_fail_is_again_and_a_later_pass_is_good(learner, exercise, reviews):
    _graded(learner, exercise, "fail")
    _graded(learner, exercise, "pass")
    assert [call["rating"] for call in reviews] == [1, 3]


def test_a_pass_after_giving_up_is_again(learner, exercise, reviews):
    services.exercise_give_up(user=learner, exercise=exercise)
    _graded(learner, exercise, "pass")
    assert [call["rating"] for call in reviews] == [1]  # the solution was seen: docs/coaching.md


def test_platform_errors_are_not_reviews(learner, exercise, reviews):
    submission = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    services.submission_record_unavailable(claim=claim(submission), reason="no bwrap")
    assert reviews == []


def test_a_failing_review_service_never_loses_the_grading_result(learner, exercise, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("study is broken")

    monkeypatch.setattr(recording, "review_record", broken)
    submission = _graded(learner, exercise, "pass")
    submission.refresh_from_db()
    assert submission.state == Submission.State.PASSED
    assert submission.review == Submission.Review.FAILED


# With the study app's real review_record


def test_graded_submissions_become_reviews_of_the_card_in_the_study_app(learner, exercise):
    from apps.study.models import ReviewLog

    failed = _graded(learner, exercise, "fail")
    passed = _graded(learner, exercise, "pass")
    logs = list(ReviewLog.objects.filter(user=learner).order_by("pk"))
    assert [(log.card_id, log.rating, log.source, log.idempotency_key) for log in logs] == [
        (exercise.primary_card.pk, 1, "exercise", f"submission-{failed.pk}"),
        (exercise.primary_card.pk, 3, "exercise", f"submission-{passed.pk}"),
    ]
    assert failed.review == passed.review == Submission.Review.RECORDED


def test_a_regraded_result_never_records_a_second_review(learner, exercise):
    """The idempotency key is the submission: a duplicate write (however it came about) is the
    same review."""
    from apps.study.models import ReviewLog

    submission = _graded(learner, exercise, "pass")
    Submission.objects.filter(pk=submission.pk).update(review=Submission.Review.PENDING)
    assert services.submission_review_record(submission_id=submission.pk) == "recorded"
    assert ReviewLog.objects.filter(user=learner).count() == 1
    assert ReviewLog.objects.get().rating == 4


def test_the_sweep_records_reviews_a_dead_worker_left_pending(learner, exercise, published):
    from apps.study.models import ReviewLog

    submission = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    got = claim(submission)
    # The worker wrote the verdict and died before the review.
    Submission.objects.filter(pk=submission.pk).update(
        state=Submission.State.FAILED,
        review=Submission.Review.PENDING,
        finished_at=timezone.now() - timedelta(minutes=2),
    )
    assert got.card_id == exercise.primary_card.pk
    assert services.submissions_sweep().reviewed == [submission.pk]
    submission.refresh_from_db()
    assert submission.review == Submission.Review.RECORDED
    assert ReviewLog.objects.get().rating == 1
    assert services.submissions_sweep().reviewed == []


def test_exercises_without_a_card_have_no_review(learner, exercise, reviews):
    exercise.card_links.all().delete()
    submission = _graded(learner, exercise, "pass")
    assert submission.review == Submission.Review.NONE and reviews == []


def test_grading_a_submission_costs_a_fixed_handful_of_queries(
    learner, exercise, django_assert_num_queries
):
    """The worker's side of one submission (claim, verdict with its test rows, the card review)
    runs 200 times a second at full load: its queries are counted, and do not grow with the
    number of tests."""
    from apps.study.models import ReviewLog

    earlier = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    services.submission_record_result(claim=claim(earlier), result=grade_result("fail"))
    submission = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    many = [{"name": f"test {n}", "status": "pass", "file": "tests.js"} for n in range(14)]
    # Claim: UPDATE + SELECT. Verdict: UPDATE + one INSERT of all test rows. Review: the row
    # with its first-try facts, the card state (locked), the idempotency check, the state, the
    # log, the day's count, the row's review mark. Two SAVEPOINT pairs: the test's transaction.
    with django_assert_num_queries(11 + 4):
        got = claim(submission, task_id="task-2")
        services.submission_record_result(claim=got, result=grade_result("pass", tests=many))
    submission.refresh_from_db()
    assert submission.state == Submission.State.PASSED
    assert submission.review == Submission.Review.RECORDED
    assert ReviewLog.objects.filter(idempotency_key=f"submission-{submission.pk}").get().rating == 3
    assert TestResult.objects.filter(submission=submission).count() == 14
