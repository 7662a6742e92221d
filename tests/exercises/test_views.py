"""The exercise pages, each as a full page and as its htmx partial, and who may see what."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from apps.exercises import services
from apps.exercises.models import GiveUp, Submission
from tests.factories import SubmissionFactory, TestResultFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
GOOD = "module.exports = { add: (a, b) => a + b };\n"


@pytest.fixture
def ada(client, learner, password):
    client.login(username=learner.username, password=password)
    return client


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def graded(user, exercise, state=Submission.State.FAILED, code=GOOD):
    submission = SubmissionFactory(
        user=user, exercise=exercise, code=code, state=state, wall_ms=87, verdict="ok"
    )
    TestResultFactory(
        submission=submission,
        position=0,
        name="adds two small numbers",
        status="pass",
        file="example_test.js",
        is_example=True,
    )
    TestResultFactory(
        submission=submission,
        position=1,
        name="adds negative numbers",
        status="pass" if state == "passed" else "fail",
        message="add(-2, -3) should be -5",
        output="x" * 5000,
        file="tests.js",
    )
    return submission


# The list


def test_list_shows_each_exercise_with_this_learners_status(
    ada, learner, other_learner, exercise, py_exercise
):
    graded(learner, exercise, state=Submission.State.PASSED)
    graded(other_learner, py_exercise, state=Submission.State.PASSED)
    response = ada.get(reverse("exercises:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert exercise.title in html and py_exercise.title in html
    tiles = dict(
        re.findall(r'exercise-tile status-(\w+)">\s*<h2><a href="/exercises/([\w-]+)/"', html)
    )
    assert tiles == {"passed": exercise.slug, "new": py_exercise.slug}, (
        "another learner's pass must not show as mine"
    )


def test_list_is_readable_without_an_account(client, exercise):
    response = client.get(reverse("exercises:list"))
    assert response.status_code == 200
    assert "Log in to run the tests" in response.content.decode()


def test_list_counts_queries_not_exercises(
    ada, learner, exercise, py_exercise, django_assert_max_num_queries
):
    graded(learner, exercise)
    with django_assert_max_num_queries(9):
        assert ada.get(reverse("exercises:list")).status_code == 200


def test_nav_has_an_exercises_item_marked_current_on_exercise_pages(client, exercise):
    html = client.get(exercise.get_absolute_url()).content.decode()
    assert re.search(r'<a href="/exercises/" aria-current="page">Exercises</a>', html)


# The exercise page


def test_page_shows_prompt_example_code_starter_and_a_working_form(ada, exercise):
    response = ada.get(exercise.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert exercise.prompt_html in html
    assert "adds two small numbers" in html, "the example test's code is shown"
    assert "adds negative numbers" not in html, "hidden tests' code is never shown"
    assert 'name="code"' in html and "Return the sum." in html
    assert f'action="{reverse("exercises:submit", args=[exercise.slug])}"' in html
    assert 'hx-post="' in html, "htmx enhances the plain form"
    assert "Esc" in html and 'aria-describedby="editor-hint"' in html
    assert "js/editor.js" in html and " defer" in html
    assert "Reference solution" not in html and exercise.solution_code not in html


def test_page_has_no_inline_scripts_or_styles(ada, learner, exercise):
    graded(learner, exercise)
    html = ada.get(exercise.get_absolute_url()).content.decode()
    assert " style=" not in html
    for script in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S):
        assert script.strip() == "", "no inline <script>: a strict CSP is coming"


def test_anonymous_visitors_see_the_task_but_must_log_in_to_run(client, exercise):
    html = client.get(exercise.get_absolute_url()).content.decode()
    assert "Log in to run the tests" in html
    assert "Run tests" not in html


def test_page_shows_the_latest_submission_code_and_results_table(ada, learner, exercise):
    submission = graded(learner, exercise, code="// my attempt\n")
    html = ada.get(exercise.get_absolute_url()).content.decode()
    assert "// my attempt" in html, "the editor holds the learner's latest code"
    assert 'class="test-table"' in html
    assert "1 of 2 tests passed" in html
    assert "add(-2, -3) should be -5" in html
    assert "x" * 1000 not in html, "long output is truncated"
    assert re.search(r"adds negative numbers\s*<span class=\"test-kind\">hidden", html)
    assert re.search(r"adds two small numbers\s*<span class=\"test-kind\">example", html)
    assert f"?submission={submission.pk}" in html, "the history links to it"


def test_reset_to_starter_works_without_javascript(ada, learner, exercise):
    graded(learner, exercise, code="// my attempt\n")
    html = ada.get(exercise.get_absolute_url() + "?starter=1").content.decode()
    assert "// my attempt" not in html.split('id="code"')[1].split("</textarea>")[0]
    assert "Return the sum." in html


def test_an_older_submission_can_be_opened_from_the_history(ada, learner, exercise):
    old = graded(learner, exercise, code="// first\n")
    graded(learner, exercise, code="// second\n")
    html = ada.get(exercise.get_absolute_url(), {"submission": old.pk}).content.decode()
    editor = html.split('id="code"')[1].split("</textarea>")[0]
    assert "// first" in editor


def test_htmx_get_renders_only_the_results_partial(ada, learner, exercise):
    graded(learner, exercise)
    response = ada.get(exercise.get_absolute_url(), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'class="test-table"' in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_unknown_and_retired_exercises_are_404(client, exercise):
    assert client.get(reverse("exercises:detail", args=["nope"])).status_code == 404
    type(exercise).objects.filter(pk=exercise.pk).update(is_retired=True)
    assert client.get(exercise.get_absolute_url()).status_code == 404


# Submitting


def test_submit_without_htmx_redirects_to_the_page_with_the_live_status(
    ada, learner, exercise, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ada.post(reverse("exercises:submit", args=[exercise.slug]), {"code": GOOD})
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert (
        response["Location"] == f"{exercise.get_absolute_url()}?submission={submission.pk}#results"
    )
    assert published == [submission.pk]
    html = ada.get(response["Location"]).content.decode()
    assert "Waiting for a grader" in html
    assert f'hx-get="{reverse("exercises:submission", args=[submission.pk])}"' in html
    assert "Refresh the status" in html, "a no-JavaScript way to see the result"
    assert '<noscript><meta http-equiv="refresh"' in html


def test_submit_over_htmx_returns_the_polling_status_and_the_new_history(
    ada, exercise, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ada.post(
            reverse("exercises:submit", args=[exercise.slug]), {"code": GOOD}, headers=HTMX
        )
    html = response.content.decode()
    assert Submission.objects.get().state == Submission.State.QUEUED
    assert response.status_code == 200 and "<html" not in html
    assert 'hx-trigger="load delay:1s"' in html
    assert 'id="history"' in html and 'hx-swap-oob="true"' in html


def test_polling_stops_once_the_submission_is_final(ada, learner, exercise):
    submission = SubmissionFactory(user=learner, exercise=exercise, code=GOOD)
    url = reverse("exercises:submission", args=[submission.pk])
    running = ada.get(url, headers=HTMX).content.decode()
    assert 'hx-trigger="load delay:1s"' in running and "Waiting for a grader" in running
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.RUNNING)
    assert "Running the tests" in ada.get(url, headers=HTMX).content.decode()
    submission.delete()
    final = graded(learner, exercise, state=Submission.State.PASSED)
    html = ada.get(reverse("exercises:submission", args=[final.pk]), headers=HTMX).content.decode()
    assert "hx-trigger" not in html.split('id="history"')[0], "no more polling"
    assert "All 2 tests passed" in html
    assert 'id="solution"' in html and "Reference solution" in html, "revealed out of band"


def test_submission_url_without_htmx_redirects_to_the_page(ada, learner, exercise):
    submission = graded(learner, exercise)
    response = ada.get(reverse("exercises:submission", args=[submission.pk]))
    assert response.status_code == 302 and f"submission={submission.pk}" in response["Location"]


@pytest.mark.parametrize(
    ("setup", "status", "text"),
    [
        ("in_flight", 409, "still being graded"),
        ("rate_limited", 429, "try again in"),
        ("too_large", 413, "submissions are limited to"),
    ],
)
def test_refusals_are_messages_on_the_page_not_error_pages(
    ada, learner, exercise, published, settings, setup, status, text
):
    code = GOOD
    if setup == "in_flight":
        SubmissionFactory(user=learner, exercise=exercise, code="// earlier\n")
    elif setup == "rate_limited":
        settings.EXERCISE_SUBMISSIONS_PER_MINUTE = 1
        graded(learner, exercise)
    else:
        settings.EXERCISE_CODE_MAX_BYTES = 1024
        code = "// " + "x" * 2000
    url = reverse("exercises:submit", args=[exercise.slug])
    before = Submission.objects.count()
    page = ada.post(url, {"code": code})
    assert page.status_code == status
    html = page.content.decode()
    assert text in html and 'role="alert"' in html
    assert escape(code[:50]) in html, "the learner's code stays in the editor"
    partial = ada.post(url, {"code": code}, headers=HTMX)
    assert partial.status_code == 200, "htmx swaps 2xx responses only"
    assert text in partial.content.decode()
    if setup == "in_flight":
        assert 'hx-trigger="load delay:1s"' in partial.content.decode(), "keeps polling"
    assert Submission.objects.count() == before, "a refusal saves nothing"


def test_broker_down_on_submit_is_a_message_not_a_500(
    ada, exercise, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ada.post(reverse("exercises:submit", args=[exercise.slug]), {"code": GOOD})
    assert response.status_code == 302
    html = ada.get(response["Location"]).content.decode()
    assert "queue is unreachable" in html
    assert Submission.objects.get().state == Submission.State.QUEUED


def test_submitting_needs_a_login_and_a_post(client, exercise):
    url = reverse("exercises:submit", args=[exercise.slug])
    response = client.post(url, {"code": GOOD})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Submission.objects.exists()


def test_submit_rejects_get(ada, exercise):
    assert ada.get(reverse("exercises:submit", args=[exercise.slug])).status_code == 405


# Authorization: only one's own submissions


def test_other_learners_submissions_are_404_everywhere(
    client, other_learner, password, learner, exercise, published
):
    mine = graded(learner, exercise)
    mine.state = Submission.State.ERROR
    mine.retryable = True
    mine.save()
    client.login(username=other_learner.username, password=password)
    for response in (
        client.get(reverse("exercises:submission", args=[mine.pk]), headers=HTMX),
        client.get(reverse("exercises:submission", args=[mine.pk])),
        client.get(exercise.get_absolute_url(), {"submission": mine.pk}),
        client.post(reverse("exercises:retry", args=[mine.pk])),
    ):
        assert response.status_code == 404
    html = client.get(exercise.get_absolute_url()).content.decode()
    assert escape(GOOD.strip()) not in html and "test-table" not in html
    mine.refresh_from_db()
    assert mine.state == Submission.State.ERROR


def test_anonymous_visitors_cannot_see_submissions(client, learner, exercise):
    mine = graded(learner, exercise)
    assert (
        client.get(reverse("exercises:submission", args=[mine.pk]), headers=HTMX).status_code == 404
    )
    assert client.get(exercise.get_absolute_url(), {"submission": mine.pk}).status_code == 404


def test_a_submission_opened_under_another_exercise_is_404(ada, learner, exercise, py_exercise):
    mine = graded(learner, exercise)
    assert ada.get(py_exercise.get_absolute_url(), {"submission": mine.pk}).status_code == 404


# Retry, give up, solution


def test_retryable_errors_offer_a_retry_that_requeues_the_same_code(
    ada, learner, exercise, published, django_capture_on_commit_callbacks
):
    submission = SubmissionFactory(
        user=learner, exercise=exercise, code=GOOD, state=Submission.State.ERROR,
        retryable=True, message="The grader is unavailable right now (no bwrap).",
    )  # fmt: skip
    html = ada.get(exercise.get_absolute_url()).content.decode()
    assert "The grader could not run your code" in html and "Try again" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = ada.post(reverse("exercises:retry", args=[submission.pk]), headers=HTMX)
    assert response.status_code == 200 and "Waiting for a grader" in response.content.decode()
    assert published == [submission.pk]


def test_give_up_reveals_the_solution_and_interview_angle_and_is_recorded(ada, learner, exercise):
    url = reverse("exercises:give_up", args=[exercise.slug])
    partial = ada.post(url, headers=HTMX)
    html = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in html
    assert "Reference solution" in html and "return a + b" in text_of(html)
    assert "<strong>types</strong>" in html, "the interview angle is shown with it"
    assert GiveUp.objects.filter(user=learner, exercise=exercise).exists()
    response = ada.post(url)
    assert response.status_code == 302 and response["Location"].endswith("#solution")
    assert "Reference solution" in ada.get(exercise.get_absolute_url()).content.decode()


def test_passing_reveals_the_solution_without_giving_up(ada, learner, exercise):
    graded(learner, exercise, state=Submission.State.PASSED)
    html = ada.get(exercise.get_absolute_url()).content.decode()
    assert "Reference solution" in html and "The interview angle" in html
    assert "Give up" not in html
    assert not GiveUp.objects.exists()


# Cards link to their exercises


def test_lesson_cards_link_to_the_exercises_that_practise_them(client, exercise):
    card = exercise.primary_card
    html = client.get(card.lesson.get_absolute_url()).content.decode()
    assert "Practise it:" in html and exercise.get_absolute_url() in html


def test_an_exercise_held_back_by_its_check_gets_no_link(client, exercise):
    type(exercise).objects.filter(pk=exercise.pk).update(is_published=False)
    card = exercise.primary_card
    html = client.get(card.lesson.get_absolute_url()).content.decode()
    assert exercise.get_absolute_url() not in html
    assert client.get(exercise.get_absolute_url()).status_code == 404


def test_retry_on_a_final_submission_is_refused_politely(ada, learner, exercise):
    submission = graded(learner, exercise)
    response = ada.post(reverse("exercises:retry", args=[submission.pk]), headers=HTMX)
    assert response.status_code == 200 and "final result" in response.content.decode()
    assert services  # the service is what refuses it (see test_services)
