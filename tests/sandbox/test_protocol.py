"""The results channel: parsing (strict, nonce-checked, first-wins) and the mapping of plan,
results and the run's verdict to a GradeResult. No jail needed."""

from __future__ import annotations

import json

import pytest

from apps.sandbox import Limits, RunResult
from apps.sandbox.grader import explain
from apps.sandbox.jail import Execution
from apps.sandbox.protocol import parse_channel

pytestmark = pytest.mark.sandbox

NONCE = "0123456789abcdef0123456789abcdef"
LIMITS = Limits.for_language("javascript", wall_seconds=10, memory_mb=128)


def line(line_type: str, nonce: str = NONCE, **fields) -> bytes:
    return (json.dumps({"nonce": nonce, "type": line_type, **fields}) + "\n").encode()


def plan(*names: str, nonce: str = NONCE) -> bytes:
    tests = [{"id": i, "name": name, "file": "tests.js"} for i, name in enumerate(names)]
    return line("plan", nonce, tests=tests)


def result(test_id: int, status: str = "pass", nonce: str = NONCE, **fields) -> bytes:
    fields = {"message": None, "output": None, "kind": None, **fields}
    return line("result", nonce, id=test_id, status=status, **fields)


def run_result(verdict: str = "ok", exit_code: int | None = 0) -> RunResult:
    return RunResult(verdict, exit_code, "", "", 100, 50, False)


def graded(data: bytes, verdict: str = "ok", exit_code: int | None = 0, limit_hit=None):
    execution = Execution(run_result(verdict, exit_code), data, limit_hit)
    return explain(parse_channel(data, NONCE), execution, LIMITS)


def test_a_complete_channel_parses():
    data = plan("a", "b") + result(0) + result(1, "fail", message="nope") + line("done")
    channel = parse_channel(data, NONCE)
    assert [test.name for test in channel.plan] == ["a", "b"]
    assert channel.results[1].status == "fail"
    assert channel.results[1].message == "nope"
    assert channel.done
    assert channel.ignored_lines == 0


def test_lines_without_the_nonce_are_ignored():
    forged = (
        line("plan", nonce="", tests=[{"id": 0, "name": "x"}])
        + line("plan", nonce="guess", tests=[{"id": 0, "name": "x"}])
        + b'{"type": "plan", "tests": [{"id": 0, "name": "x"}]}\n'
        + line("result", nonce=NONCE.upper(), id=0, status="pass")
    )
    channel = parse_channel(forged + plan("real") + result(0, nonce="x") + line("done"), NONCE)
    assert [test.name for test in channel.plan] == ["real"]
    assert channel.results == {}
    assert channel.ignored_lines == 5


def test_results_before_the_plan_and_for_unknown_ids_are_ignored():
    data = result(0) + plan("a") + result(7) + result(0, "fail") + result(0, "pass")
    channel = parse_channel(data, NONCE)
    assert channel.results[0].status == "fail", "the first result for an id wins"
    assert set(channel.results) == {0}


def test_only_the_first_plan_counts():
    channel = parse_channel(plan("a") + plan("a", "b", "c"), NONCE)
    assert len(channel.plan) == 1


def test_garbage_and_half_lines_do_not_break_parsing():
    data = b"\x00\xff not json\n[1,2]\n" + b'{"nonce": "' + plan("a") + result(0) + b"{"
    channel = parse_channel(data, NONCE)
    # The spliced line (a prefix glued to the plan) is lost; the result before any plan too.
    assert channel.plan is None
    assert channel.ignored_lines >= 3


def test_a_prefix_written_before_a_genuine_line_cannot_forge_a_pass():
    # Learner code writes an unterminated prefix on the channel; the runner's next line is glued
    # to it. The combined line has no top-level nonce, so it is dropped, never accepted.
    prefix = b'{"type": "result", "id": 0, "status": "pass", "x": '
    data = plan("a") + prefix + result(0, "fail") + line("done")
    channel = parse_channel(data, NONCE)
    assert channel.results == {}
    assert graded(data).status != "pass"


def test_bad_status_values_are_ignored():
    channel = parse_channel(plan("a") + result(0, "passed"), NONCE)
    assert channel.results == {}


def test_all_passed_is_pass():
    outcome = graded(plan("a", "b") + result(0) + result(1) + line("done"))
    assert outcome.status == "pass"
    assert outcome.message == "All 2 tests passed."
    assert [test.status for test in outcome.tests] == ["pass", "pass"]
    as_dict = outcome.to_dict()
    assert set(as_dict) >= {"status", "message", "tests"}
    assert set(as_dict["tests"][0]) >= {"name", "status", "message", "output"}


def test_one_failure_is_fail_and_names_the_test():
    outcome = graded(plan("a", "b") + result(0) + result(1, "fail", message="m") + line("done"))
    assert outcome.status == "fail"
    assert "'b'" in outcome.message
    assert outcome.tests[1].message == "m"


def test_time_limit_during_a_test_marks_it_and_the_rest():
    data = plan("first", "refunds when the status update fails", "third") + result(0)
    outcome = graded(data, verdict="time_limit", exit_code=None, limit_hit="wall")
    assert outcome.status == "fail"
    assert outcome.message.startswith(
        "Your code ran out of time (limit 10 s) during 'refunds when the status update fails'"
    )
    assert [test.status for test in outcome.tests] == ["pass", "error", "error"]
    assert "during this test" in outcome.tests[1].message
    assert outcome.tests[2].message.startswith("Not run")


def test_time_limit_before_any_result_is_error():
    outcome = graded(plan("a", "b"), verdict="time_limit", exit_code=None, limit_hit="wall")
    assert outcome.status == "error"
    assert outcome.message == "Your code ran out of time (limit 10 s) during 'a'"


def test_cpu_limit_is_named_as_such():
    outcome = graded(plan("a"), verdict="time_limit", exit_code=137, limit_hit="cpu")
    assert "CPU time" in outcome.message


def test_memory_limit_during_a_test():
    outcome = graded(plan("a") + b"", verdict="memory_limit", exit_code=134)
    assert outcome.status == "error"
    assert "ran out of memory (limit 128 MB)" in outcome.tests[0].message


def test_exit_before_the_tests_finished():
    outcome = graded(plan("a", "b") + result(0), verdict="ok", exit_code=0)
    assert outcome.status == "fail"
    assert "exited with code 0 before the tests finished" in outcome.message
    assert outcome.tests[1].status == "error"


def test_killed_by_a_signal_is_said_in_words():
    outcome = graded(plan("a"), verdict="runtime_error", exit_code=139)
    assert "killed by SIGSEGV" in outcome.message


def test_no_plan_is_error():
    outcome = graded(b"", verdict="ok", exit_code=0)
    assert outcome.status == "error"
    assert outcome.tests == []
    assert "before the tests started" in outcome.message


def test_a_fatal_line_explains_why_tests_did_not_start():
    outcome = graded(line("fatal", message="the test file tests.js failed to load: boom"))
    assert outcome.status == "error"
    assert "tests.js failed to load" in outcome.message


def test_load_errors_make_the_grade_an_error():
    data = (
        plan("a", "b")
        + result(0, "error", kind="load", message="Your code could not be loaded: SyntaxError: x")
        + result(1, "error", kind="load", message="Your code could not be loaded: SyntaxError: x")
        + line("done")
    )
    outcome = graded(data)
    assert outcome.status == "error"
    assert outcome.message == "Your code could not be loaded: SyntaxError: x"


def test_sandbox_error_is_error_with_the_reason():
    execution = Execution(RunResult.sandbox_error("user namespaces are disabled: x"))
    outcome = explain(parse_channel(b"", NONCE), execution, LIMITS)
    assert outcome.status == "error"
    assert "user namespaces are disabled" in outcome.message
    assert outcome.to_dict()["run"]["verdict"] == "sandbox_error"


def test_long_names_are_shortened_in_messages():
    name = "refunds when the status update fails and the refund also fails after a retry"
    outcome = graded(plan(name), verdict="time_limit", exit_code=None, limit_hit="wall")
    assert "…" in outcome.message
    assert outcome.tests[0].name == name
