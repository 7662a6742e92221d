"""The sandbox's outcome crosses into the exercises app typed: a failure's line in the learner's
code is a number read once at the sandbox's edge (apps/sandbox/protocol.py), stored on the row
the gutter reads, and a jail that cannot be set up is a result, never an exception."""

import importlib

import pytest
from django.apps import apps as django_apps

from apps.exercises import services
from apps.exercises.models import ExampleRun, TestResult
from apps.sandbox import SandboxUnavailable, grade
from apps.sandbox.results import SANDBOX_ERROR
from apps.sandbox.runtimes import NodeRuntime
from tests.factories import SubmissionFactory, TestResultFactory

pytestmark = pytest.mark.django_db

THROWS_ON_LINE_2 = (
    "function add(a, b) {\n  return a.missing.total;\n}\n\nmodule.exports = { add };\n"
)
SUBTRACTS = "module.exports = { add: (a, b) => a - b };\n"


def _graded(learner, exercise, code):
    submission = SubmissionFactory(user=learner, exercise=exercise, code=code)
    claim = services.submission_claim(submission_id=submission.pk, task_id="t", worker="w")
    result = grade(language=claim.language, code=claim.code, tests=claim.tests)
    assert services.submission_record_result(claim=claim, result=result)
    return result, list(TestResult.objects.filter(submission=submission).order_by("position"))


@pytest.mark.sandbox
def test_an_error_in_the_learners_code_carries_its_line_to_the_gutter(learner, exercise):
    result, rows = _graded(learner, exercise, THROWS_ON_LINE_2)
    assert [test.line for test in result.tests] == [2, 2, 2]
    # The learner still reads where it happened, in the message the runner wrote.
    assert all(test.message.endswith("(submission.js line 2)") for test in result.tests)
    assert [row.code_line for row in rows] == [2, 2, 2]


@pytest.mark.sandbox
def test_an_assertion_and_a_pass_name_no_line(learner, exercise):
    result, rows = _graded(learner, exercise, SUBTRACTS)
    assert [test.status for test in result.tests] == ["fail", "fail", "pass"]
    assert [test.line for test in result.tests] == [None, None, None]
    assert [row.code_line for row in rows] == [None, None, None]


def test_a_runtime_that_cannot_be_staged_is_a_result_not_an_exception(monkeypatch):
    def unstageable(self, *args, **kwargs):
        raise SandboxUnavailable("node cannot be staged (test)")

    monkeypatch.setattr(NodeRuntime, "runner_command", unstageable)
    result = grade(language="javascript", code=SUBTRACTS, tests={"tests.js": "x"})
    assert result.run.verdict == SANDBOX_ERROR and result.tests == []
    assert result.unavailable_reason == "node cannot be staged (test)"
    assert result.message == "The sandbox is unavailable: node cannot be staged (test)"


def test_rows_graded_before_the_line_was_stored_get_it_from_their_messages(learner, exercise):
    migration = importlib.import_module("apps.exercises.migrations.0005_testresult_line")
    submission = SubmissionFactory(user=learner, exercise=exercise, code=SUBTRACTS)
    located = TestResultFactory(
        submission=submission, position=0, status="error",
        message="TypeError: x is undefined (submission.js line 7)",
    )  # fmt: skip
    assertion = TestResultFactory(
        submission=submission, position=1, status="fail", message="add(1, 2) should be 3"
    )
    run = ExampleRun.objects.create(
        user=learner,
        exercise=exercise,
        code=SUBTRACTS,
        results=[
            {"name": "a", "status": "fail", "message": "boom (submission.py line 4)", "output": ""}
        ],
    )
    migration.lines_from_messages(django_apps, None)
    located.refresh_from_db()
    assertion.refresh_from_db()
    run.refresh_from_db()
    assert (located.line, assertion.line) == (7, None)
    assert run.results[0]["line"] == 4
