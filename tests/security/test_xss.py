"""XSS: what learners (and instructors) type is shown as text on every page that shows it.

Fields: display names, submitted code and everything it produces (program output, messages,
test names and output), mock-interview notes, cohort names, study-plan inputs, the search
query, the time zone, the join code. Each page is parsed; a payload that became markup fails
(inert.py). The same fields in CSV exports must not start a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from apps.accounts.models import User
from apps.cohorts import services as cohort_services
from apps.exercises.models import Submission, TestResult
from apps.study.models import MockQuestion
from tests.security.inert import MARKER, PAYLOADS, assert_inert, markup_from_payload
from tests.security.world import World, graded_submission, hostile_submissions

ALL_PAYLOADS = "\n".join(PAYLOADS)


def _page(client, url: str, *, where: str = "", shown: bool = True, **get) -> str:
    response = client.get(url, get, headers=get.pop("headers", None) or {})
    assert response.status_code == 200, f"{url}: {response.status_code}"
    html = response.content.decode()
    assert_inert(html, where=where or url, shown=shown)
    return html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_check_sees_each_payload_unescaped(payload):
    """The check can fail: each payload pasted raw into a page is caught (the bare
    javascript: text only matters inside a URL attribute)."""
    if payload.startswith("javascript:"):
        payload = f'<a href="{payload}">x</a>'
    assert markup_from_payload(f"<html><body><p>{payload}</p></body></html>")
    assert markup_from_payload(f'<textarea>{payload}</textarea><input value="{payload}">')


# Display names ------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_display_name_is_text_everywhere(world: World, payload):
    User.objects.filter(pk__in=[world.learner.pk, world.instructor.pk]).update(display_name=payload)
    # Ada needs help: three failed runs of one exercise, never passed.
    for n in range(3):
        graded_submission(world.learner, world.exercise, code=f"// try {n}")
    ada, ines = world.client("learner"), world.client("instructor")
    cohort, who = world.cohort.pk, world.learner.pk

    _page(ada, reverse("home"), where="the navigation")
    _page(ada, reverse("cohorts:index"), where="a learner's cohorts (the instructor's name)")
    _page(world.client("other_learner"), reverse("cohorts:join", args=[world.cohort.join_code]))
    _page(ines, reverse("cohorts:dashboard", args=[cohort]), where="heatmap and who needs help")
    _page(ines, reverse("cohorts:dashboard", args=[cohort]), headers={"HX-Request": "true"})
    _page(ines, reverse("cohorts:learner", args=[cohort, who]))
    _page(ines, reverse("cohorts:learner_remove", args=[cohort, who]))
    _page(ines, reverse("cohorts:submission", args=[cohort, who, world.submission.pk]))
    _page(world.client("staff"), reverse("cohorts:index"), where="staff's cohort list")
    _page(world.client("staff"), reverse("admin:accounts_user_changelist"), shown=False)
    _page(world.client("staff"), reverse("admin:accounts_user_change", args=[who]))

    removed = ines.post(reverse("cohorts:learner_remove", args=[cohort, who]), follow=True)
    assert_inert(removed.content.decode(), where="the message after removing a learner")


# Submitted code and what it produced ---------------------------------------------------------


def _hostile_submissions(world: World) -> tuple[Submission, Submission]:
    """An error run (program output and message shown) and a failed run (per-test results),
    both carrying every payload; the code also tries to close the Markdown fence it is shown
    in, to smuggle a link into the instructor's page."""
    code = (
        f"// {ALL_PAYLOADS}\n````\n[phish](https://evil.example/{MARKER}) "
        f"<a href=https://evil.example/{MARKER}>x</a>\n````js\nmodule.exports = {{}};\n"
    )
    failed, errored = hostile_submissions(world, code=code, test_name=PAYLOADS[1])
    return errored, failed


def test_submitted_code_and_its_output_are_text(world: World):
    errored, failed = _hostile_submissions(world)
    ada, ines = world.client("learner"), world.client("instructor")
    exercise_url = world.exercise.get_absolute_url()
    for run in (errored, failed):
        _page(ada, exercise_url, where=f"exercise page, {run.state} run", submission=run.pk)
        _page(
            ada,
            reverse("exercises:submission", args=[run.pk]),
            where=f"status partial, {run.state} run",
            headers={"HX-Request": "true"},
        )
        _page(
            ines,
            reverse("cohorts:submission", args=[world.cohort.pk, world.learner.pk, run.pk]),
            where=f"instructor's view of a {run.state} run",
        )
        _page(world.client("staff"), reverse("admin:exercises_submission_change", args=[run.pk]))
    # The editor keeps the latest code (the textarea is where </textarea> would break out).
    html = _page(ada, exercise_url, where="exercise page, editor")
    assert "&lt;/textarea&gt;&lt;script&gt;" in html
    _page(ines, reverse("cohorts:learner", args=[world.cohort.pk, world.learner.pk]), shown=False)
    cohort_services.cohort_stats_refresh(cohort=world.cohort)
    _page(ines, reverse("cohorts:dashboard", args=[world.cohort.pk]), where="failed test names")


def test_code_cannot_close_its_markdown_fence(world: World):
    """The instructor's page highlights the code through Markdown: however many backticks the
    code holds, it stays one code block, whole."""
    _, failed = _hostile_submissions(world)
    url = reverse("cohorts:submission", args=[world.cohort.pk, world.learner.pk, failed.pk])
    html = world.client("instructor").get(url).content.decode()
    assert "evil.example" in html
    assert 'href="https://evil.example' not in html
    section = html.split('id="code-heading"', 1)[1].split("</section>", 1)[0]
    assert section.count("<pre") == 1
    assert "module" in section and "exports" in section  # the last line is still in it


# Mock-interview notes ------------------------------------------------------------------------


def test_mock_interview_notes_are_text(world: World):
    ada = world.client("learner")
    question = MockQuestion.objects.get(mock=world.mock, position=2)
    url = reverse("study:mock_reveal", args=[world.mock.pk, question.position])
    ada.post(reverse("study:mock_score", args=[world.mock.pk, 1]), {"covered": ["0"]})
    htmx = ada.post(url, {"notes": ALL_PAYLOADS}, headers={"HX-Request": "true"})
    assert_inert(htmx.content.decode(), where="the mock stage after reveal (htmx)")
    question.refresh_from_db()
    assert question.notes.startswith(PAYLOADS[0])
    _page(ada, reverse("study:mock", args=[world.mock.pk]), where="the mock page, your notes")
    ada.post(reverse("study:mock_score", args=[world.mock.pk, 2]), {"covered": ["0"]})
    _page(ada, reverse("study:mock_results", args=[world.mock.pk]), where="mock results")
    export = ada.get(reverse("study:export_json"))
    assert export["Content-Type"] == "application/json"


# Cohort names --------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_cohort_name_is_text_for_learners_and_instructors(world: World, payload):
    ines = world.client("instructor")
    saved = ines.post(reverse("cohorts:settings", args=[world.cohort.pk]), {"name": payload})
    assert saved.status_code == 302
    world.cohort.refresh_from_db()
    assert world.cohort.name == payload.strip()

    followed = ines.get(saved["Location"])
    assert_inert(followed.content.decode(), where="dashboard with the 'saved' message")
    _page(ines, reverse("cohorts:index"))
    _page(ines, reverse("cohorts:settings", args=[world.cohort.pk]))
    _page(ines, reverse("cohorts:learner", args=[world.cohort.pk, world.learner.pk]))

    ada = world.client("learner")
    _page(ada, reverse("cohorts:index"), where="a member's cohort list")
    grace = world.client("other_learner")
    _page(grace, reverse("cohorts:join", args=[world.cohort.join_code]), where="the join page")
    joined = grace.post(reverse("cohorts:join", args=[world.cohort.join_code]), follow=True)
    assert_inert(joined.content.decode(), where="the message after joining")
    left = ada.post(reverse("cohorts:leave", args=[world.cohort.pk]), follow=True)
    assert_inert(left.content.decode(), where="the message after leaving")

    created = ines.post(reverse("cohorts:create"), {"name": payload}, follow=True)
    assert_inert(created.content.decode(), where="the message after creating a cohort")


# What learners type into forms and query strings ---------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_search_query_is_text(world: World, payload):
    for role in ("anonymous", "learner"):
        client = world.client(role)
        _page(client, reverse("content:search"), where=f"search as {role}", q=payload)
        _page(client, reverse("content:search"), q=payload, headers={"HX-Request": "true"})


def test_study_plan_inputs_are_text(world: World):
    ada = world.client("learner")
    for payload in PAYLOADS:
        # `next` as a relative path stays on the site (a 404 at worst).
        plan = ada.post(
            reverse("study:new_cards"), {"new_cards_per_day": payload, "next": payload}, follow=True
        )
        assert plan.redirect_chain and "://" not in plan.redirect_chain[-1][0]
        assert_inert(plan.content.decode(), where="new cards per day", shown=False)
        date = ada.post(
            reverse("study:interview_date"),
            {"interview_date": payload},
            headers={"HX-Request": "true"},
        )
        assert_inert(date.content.decode(), where="interview date (htmx)", shown=False)
        rated = ada.post(
            reverse("study:rate", args=[world.card.slug]),
            {"rating": payload, "idempotency_key": "payload-key-1", "context": payload},
        )
        assert rated.status_code == 400
        # An error echoing the input is served as text, never as a page.
        if rated["Content-Type"].startswith("text/html"):
            assert_inert(rated.content.decode(), where="rating error", shown=False)
        _page(ada, reverse("study:review"), where="review page", shown=False)


def test_time_zone_is_text(world: World):
    payload = "<script>window.__xss=1</script>"
    User.objects.filter(pk=world.learner.pk).update(time_zone=payload)
    ada = world.client("learner")
    _page(ada, reverse("study:dashboard"), where="the dashboard's streak definition")
    _page(ada, reverse("study:mock_results", args=[world.mock.pk]), shown=False)
    User.objects.filter(pk=world.instructor.pk).update(time_zone=payload)
    _page(
        world.client("instructor"),
        reverse("cohorts:dashboard", args=[world.cohort.pk]),
        shown=False,
    )

    signup = world.client("anonymous").post(
        reverse("accounts:signup"),
        {
            "username": "mallory",
            "display_name": PAYLOADS[1],
            "time_zone": PAYLOADS[1],
            "password1": "a-long-enough-passphrase-2026",
            "password2": "a-long-enough-passphrase-2026",
        },
    )
    assert signup.status_code in (200, 400)
    assert_inert(signup.content.decode(), where="sign-up errors")
    assert not User.objects.filter(username="mallory").exists()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_join_code_and_next_are_text(world: World, payload):
    client = world.client("learner")
    response = client.get(reverse("cohorts:join_by_code"), {"code": payload}, follow=True)
    assert_inert(response.content.decode(), where="join by code", shown=False)
    response = client.get(f"/cohorts/join/{payload.replace('/', '')}/", follow=True)
    assert_inert(response.content.decode(), where="join link", shown=False)
    signup = world.client("anonymous").get(reverse("accounts:signup"), {"next": payload})
    assert_inert(signup.content.decode(), where="sign-up next", shown=False)


# CSV exports ---------------------------------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"https://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)",
            "\t=1", "\r=1"]  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cells(response) -> list[str]:
    text = b"".join(response.streaming_content).decode()
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.parametrize("formula", FORMULAS)
def test_cohort_exports_never_start_a_formula(world: World, formula):
    User.objects.filter(pk=world.learner.pk).update(display_name=formula)
    TestResult.objects.filter(submission=world.submission, status="fail").update(name=formula)
    ines = world.client("instructor")
    for export in ("cohorts:export_progress", "cohorts:export_submissions"):
        cells = _cells(ines.get(reverse(export, args=[world.cohort.pk])))
        assert f"'{formula}" in cells, export
        risky = [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
        assert not risky, f"{export}: cells a spreadsheet would run: {risky}"


def test_study_exports_never_start_a_formula(world: World):
    """A learner's own CSVs hold slugs, labels, numbers and dates: nothing a spreadsheet runs."""
    User.objects.filter(pk=world.learner.pk).update(display_name=FORMULAS[0])
    ada = world.client("learner")
    for export in ("study:export_reviews", "study:export_cards"):
        response = ada.get(reverse(export))
        assert response["Content-Type"].startswith("text/csv")
        cells = _cells(response)
        assert len(cells) > 11, export  # a header and at least one row
        risky = [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
        assert not risky, f"{export}: cells a spreadsheet would run: {risky}"
