"""Coaching: the help ladder's rating rule, revealing hints, the failing test's code, and naming
a known mistake from a submission's failing tests (docs/coaching.md)."""

import pytest
from django.urls import reverse

from apps.content.fingerprints import fingerprint_of
from apps.content.models import Exercise
from apps.exercises import coaching, services
from apps.exercises.models import HintReveal, Submission
from apps.exercises.services import HintUnavailable, recording
from tests.exercises.test_services import GOOD, claim, grade_result
from tests.factories import SubmissionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviews(monkeypatch):
    calls = []
    monkeypatch.setattr(recording, "review_record", lambda **kwargs: calls.append(kwargs))
    return calls


def _graded(user, exercise, status, tests=None):
    submission = SubmissionFactory(user=user, exercise=exercise, code=GOOD)
    result = grade_result(status, tests=tests)
    assert services.submission_record_result(claim=claim(submission), result=result)
    return Submission.objects.get(pk=submission.pk)


# The rating rule, rung by rung


@pytest.mark.parametrize(
    ("passed", "first_try", "hints", "saw", "rating"),
    [
        (True, True, 0, False, 4),  # no help, first try: Easy
        (True, False, 0, False, 3),  # no help, later: Good
        (True, True, 1, False, 3),  # one hint: at most Good
        (True, False, 1, False, 3),
        (True, True, 2, False, 2),  # more: Hard
        (True, True, 4, False, 2),
        (True, True, 0, True, 1),  # a failing test's code or the solution: Again
        (True, True, 2, True, 1),
        (False, True, 0, False, 1),  # a fail is always Again
    ],
)
def test_the_rating_rule(passed, first_try, hints, saw, rating):
    assert (
        coaching.review_rating(
            passed=passed, first_try=first_try, hints_taken=hints, saw_test_or_solution=saw
        )
        == rating
    )


def test_one_hint_caps_a_first_try_pass_at_good(learner, exercise, reviews):
    services.hint_reveal(user=learner, exercise=exercise)
    _graded(learner, exercise, "pass")
    assert [call["rating"] for call in reviews] == [3]


def test_two_hints_make_a_pass_hard(learner, exercise, reviews):
    services.hint_reveal(user=learner, exercise=exercise)
    services.hint_reveal(user=learner, exercise=exercise)
    _graded(learner, exercise, "pass")
    assert [call["rating"] for call in reviews] == [2]


def test_hints_taken_after_a_submission_do_not_change_its_review(learner, exercise, reviews):
    _graded(learner, exercise, "pass")
    services.hint_reveal(user=learner, exercise=exercise)
    assert [call["rating"] for call in reviews] == [4]


def test_seeing_a_failing_tests_code_makes_a_pass_again(learner, exercise, reviews):
    for _ in exercise.hints:
        services.hint_reveal(user=learner, exercise=exercise)
    _graded(learner, exercise, "fail")
    reveal = services.hint_reveal(user=learner, exercise=exercise)
    assert reveal.kind == HintReveal.Kind.TEST
    assert reveal.test_name == "adds negative numbers"  # the first failing hidden test
    _graded(learner, exercise, "pass")
    assert [call["rating"] for call in reviews] == [1, 1]


def test_the_failing_test_rung_waits_for_a_failed_submission(learner, exercise):
    for _ in exercise.hints:
        services.hint_reveal(user=learner, exercise=exercise)
    with pytest.raises(HintUnavailable, match="Submit your code first"):
        services.hint_reveal(user=learner, exercise=exercise)
    _graded(learner, exercise, "pass")  # the latest graded submission fails nothing
    with pytest.raises(HintUnavailable):
        services.hint_reveal(user=learner, exercise=exercise)


def test_hints_are_revealed_in_order_and_per_learner(learner, other_learner, exercise):
    first = services.hint_reveal(user=learner, exercise=exercise)
    second = services.hint_reveal(user=learner, exercise=exercise)
    assert (first.rung, second.rung) == (1, 2)
    assert services.hint_reveal(user=other_learner, exercise=exercise).rung == 1


def test_the_code_of_one_test_is_cut_out_of_the_hidden_tests(exercise, py_exercise):
    js = coaching.test_source(
        tests=exercise.hidden_tests, language="javascript", name="adding zero changes nothing"
    )
    assert js.startswith("test('adding zero changes nothing'") and js.rstrip().endswith("});")
    assert "-2, -3" not in js
    py = coaching.test_source(
        tests=py_exercise.hidden_tests, language="python", name="adding zero changes nothing"
    )
    assert py.startswith('@test("adding zero changes nothing")\ndef _():\n')
    assert "add(7, 0)" in py and "-2, -3" not in py
    assert coaching.test_source(tests=exercise.hidden_tests, language="x", name="nope") is None


# Diagnosis


def _fp(*tests, message="wrong"):
    return {"fails": list(tests), "messages": {t: coaching.message_digest(message) for t in tests}}


FP = {
    "a.js": _fp("t1", "t2", "t3", "t4"),
    "b.js": _fp("t5"),
    "c.js": _fp("t5"),  # the same fingerprint as b.js: never named
    "d.js": _fp("t7", "t8", message="expected 1, got 2"),
    "all.js": _fp(*(f"t{i}" for i in range(1, 11))),
}


@pytest.mark.parametrize(
    ("failing", "expected"),
    [
        ({"t1", "t2", "t3", "t4"}, "a.js"),  # exact
        ({"t1", "t2", "t3", "t4", "t6"}, "a.js"),  # close: 4/5
        ({"t1", "t2", "t3"}, None),  # 3/4 is below the threshold
        ({"t5"}, None),  # a tie between b.js and c.js is withheld
        ({f"t{i}" for i in range(1, 11)}, None),  # everything fails: a syntax error, say
        ({"t9"}, None),
        ({"t7", "t8"}, None),  # the same tests, failing differently: another bug
        (set(), None),
    ],
)
def test_diagnosis_chosen_and_withheld(failing, expected):
    found = coaching.diagnose(failing=dict.fromkeys(failing, "wrong"), total=10, fingerprints=FP)
    assert (found.mistake if found else None) == expected


def test_a_diagnosis_needs_the_tests_to_fail_the_same_way():
    same = {"t7": "expected 1, got 2", "t8": "expected 1, got 2"}
    assert coaching.diagnose(failing=same, total=10, fingerprints=FP).mistake == "d.js"
    half = {"t7": "expected 1, got 2", "t8": "expected 1, got 3"}
    assert coaching.diagnose(failing=half, total=10, fingerprints=FP).mistake == "d.js"
    other = {"t7": "expected 1, got 3", "t8": "expected 1, got 3"}
    assert coaching.diagnose(failing=other, total=10, fingerprints=FP) is None


def _fingerprint(exercise, name, fails):
    failing = dict.fromkeys(fails, "add(-2, -3) should be -5")
    exercise.fingerprints = {name: fingerprint_of(exercise=exercise, name=name, failing=failing)}
    Exercise.objects.filter(pk=exercise.pk).update(fingerprints=exercise.fingerprints)


def test_a_failed_submission_records_the_mistake_it_matches(learner, exercise):
    _fingerprint(exercise, "subtracts.js", ["adds negative numbers"])
    assert _graded(learner, exercise, "fail").mistake == "subtracts.js"
    assert _graded(learner, exercise, "pass").mistake == ""


def test_no_mistake_is_recorded_when_none_fits(learner, exercise):
    _fingerprint(exercise, "subtracts.js", ["adding zero changes nothing"])
    assert _graded(learner, exercise, "fail").mistake == ""


# The page: hints as a full page and as the htmx partial, the diagnosis above the table

HTMX = {"HX-Request": "true"}


@pytest.fixture
def ada(client, learner, password):
    client.login(username=learner.username, password=password)
    return client


def test_the_page_states_the_rule_and_offers_the_first_hint(ada, exercise):
    html = ada.get(exercise.get_absolute_url()).content.decode()
    assert "Help lowers the review" in html
    assert "Show a hint (1 of 2)" in html
    assert exercise.hints[0] not in html  # nothing revealed yet


def test_a_hint_over_htmx_returns_the_hints_section_only(ada, learner, exercise):
    url = reverse("exercises:hint", args=[exercise.slug])
    response = ada.post(url, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section id="hints"')
    assert exercise.hints[0] in html and exercise.hints[1] not in html
    assert "Show a hint (2 of 2)" in html
    assert HintReveal.objects.filter(user=learner, exercise=exercise).count() == 1


def test_a_hint_without_javascript_redirects_to_the_page(ada, learner, exercise):
    url = reverse("exercises:hint", args=[exercise.slug])
    response = ada.post(url)
    assert response.status_code == 302 and response["Location"].endswith("#hints")
    html = ada.get(exercise.get_absolute_url()).content.decode()
    assert exercise.hints[0] in html


def test_the_failing_test_rung_shows_that_tests_code(ada, learner, exercise):
    url = reverse("exercises:hint", args=[exercise.slug])
    ada.post(url)
    ada.post(url)
    html = ada.get(exercise.get_absolute_url()).content.decode()
    assert "Submit your code first" in html and "Show the code of a failing test" not in html
    assert ada.post(url).status_code == 409  # not yet: no failed submission
    _graded(learner, exercise, "fail")
    html = ada.get(exercise.get_absolute_url()).content.decode()
    assert "Show the code of a failing test" in html
    html = ada.post(url, headers=HTMX).content.decode()
    assert "adds negative numbers" in html and "-5" in html  # the test's code, highlighted
    assert "adding zero" not in html
    assert "The last step is the reference solution" in html


def test_hints_need_a_login_and_a_post(client, ada, exercise):
    url = reverse("exercises:hint", args=[exercise.slug])
    assert ada.get(url).status_code == 405


def test_a_known_mistake_is_named_above_the_table(ada, learner, exercise):
    _fingerprint(exercise, "subtracts.js", ["adds negative numbers"])
    submission = _graded(learner, exercise, "fail")
    html = ada.get(f"{exercise.get_absolute_url()}?submission={submission.pk}").content.decode()
    assert "This looks like a known mistake: <strong>Subtracts instead of adding</strong>" in html
    assert html.index('class="diagnosis"') < html.index('class="test-table"')
    partial = ada.get(exercise.get_absolute_url(), headers=HTMX).content.decode()
    assert "Subtracts instead of adding" in partial


def test_no_diagnosis_is_shown_when_none_fits(ada, learner, exercise):
    _fingerprint(exercise, "subtracts.js", ["adding zero changes nothing"])
    _graded(learner, exercise, "fail")
    assert "known mistake" not in ada.get(exercise.get_absolute_url()).content.decode()
