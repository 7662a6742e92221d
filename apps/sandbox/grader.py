"""grade(): run the hidden tests against a submission in the jail and explain the outcome.

The learner's code becomes submission.js / submission.py next to the test files and the runner,
read-only in /box. The runner reports on its own descriptor (protocol.py); this module maps the
plan, the results and the run's verdict to a GradeResult in plain words.
"""

from __future__ import annotations

import re
import secrets
import signal

from .jail import MAX_FILE_BYTES, RESULTS_FD, Execution, Job, execute
from .limits import Limits
from .protocol import Channel, PlannedTest, parse_channel
from .results import (
    MEMORY_LIMIT,
    OK,
    OUTPUT_LIMIT,
    RUNTIME_ERROR,
    SANDBOX_ERROR,
    TIME_LIMIT,
    GradeResult,
    RunResult,
    SandboxUnavailable,
    Status,
    TestResult,
)
from .runtimes import get_runtime, harness_source

_TEST_FILENAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")


def _check_test_files(tests: dict[str, str], extensions: tuple[str, ...]) -> None:
    if not tests:
        raise ValueError("grade() needs at least one test file")
    for name in tests:
        if not _TEST_FILENAME.match(name) or ".." in name or not name.endswith(extensions):
            raise ValueError(f"bad test file name {name!r}: a plain name ending in {extensions[0]}")
        if name.rsplit(".", 1)[0] in ("submission", "runner"):
            raise ValueError(f"test file name {name!r} is reserved")


def grade(
    *,
    language: str,
    code: str,
    tests: dict[str, str],
    limits: Limits | None = None,
) -> GradeResult:
    """Grade `code` against `tests` (file name -> source). status is "pass" only when every
    planned test passed. A jail that cannot be set up is a result too (`unavailable_reason`),
    never an exception: the code is never run unconfined."""
    runtime = get_runtime(language)
    limits = limits or Limits.for_language(language)
    _check_test_files(tests, runtime.extensions)
    extension = runtime.extensions[0]
    nonce = secrets.token_hex(16)
    submission = code.encode("utf-8", "replace")
    if len(submission) > MAX_FILE_BYTES:
        message = f"Your code is larger than the {MAX_FILE_BYTES // 1024} KB limit."
        return GradeResult(
            Status.ERROR, message, [], RunResult(RUNTIME_ERROR, None, "", "", 0, 0, False)
        )
    files = {
        runtime.runner_name: harness_source(runtime.runner_name),
        f"submission{extension}": submission,
    }
    for name, source in tests.items():
        files[name] = source.encode("utf-8", "replace")
        if len(files[name]) > MAX_FILE_BYTES:
            raise ValueError(f"test file {name} is larger than {MAX_FILE_BYTES} bytes")
    try:
        argv = runtime.runner_command(list(tests), limits, RESULTS_FD)
    except SandboxUnavailable as exc:  # the runtime could not be staged for the jail
        return GradeResult.unavailable_jail(exc.reason)
    job = Job(
        runtime=runtime,
        limits=limits,
        files=files,
        argv=argv,
        stdin=f"{nonce}\n".encode("ascii"),
        results_channel=True,
    )
    execution = execute(job)
    channel = parse_channel(execution.channel, nonce)
    return explain(channel, execution, limits)


def _short(name: str, limit: int = 60) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _stopped_reason(execution: Execution, limits: Limits) -> str:
    """Why the run stopped before every test reported, as the start of a sentence."""
    run = execution.result
    if run.verdict == TIME_LIMIT:
        if execution.limit_hit == "cpu":
            return f"Your code used up its CPU time (limit {_seconds(limits.cpu_seconds)})"
        return f"Your code ran out of time (limit {_seconds(limits.wall_seconds)})"
    if run.verdict == MEMORY_LIMIT:
        return f"Your code ran out of memory (limit {limits.memory_mb} MB)"
    if run.verdict == OUTPUT_LIMIT:
        return f"Your code printed too much output (limit {limits.output_kb} KB per stream)"
    if execution.channel_truncated:
        return "Your code produced too many test results to read"
    code = run.exit_code
    if code is not None and code > 128 and code - 128 in signal.valid_signals():
        how = f"was killed by {signal.Signals(code - 128).name}"
    else:
        how = f"exited with code {code}" if code is not None else "stopped"
    return f"Your code {how} before the tests finished"


def explain(channel: Channel, execution: Execution, limits: Limits) -> GradeResult:
    run = execution.result
    if run.verdict == SANDBOX_ERROR:
        message = f"The sandbox could not run your code: {run.stderr}"
        return GradeResult(Status.ERROR, message, [], run)
    if channel.plan is None:
        if channel.fatal:
            message = f"The tests could not start: {channel.fatal}"
        elif run.verdict in (TIME_LIMIT, MEMORY_LIMIT, OUTPUT_LIMIT):
            message = _stopped_reason(execution, limits) + " before the tests started"
        else:
            message = "The test runner stopped before the tests started"
            if run.stderr.strip():
                message += ": " + run.stderr.strip().splitlines()[-1][:300]
        return GradeResult(Status.ERROR, message, [], run)
    if not channel.plan:
        return GradeResult(Status.ERROR, "The exercise has no tests", [], run)

    tests: list[TestResult] = []
    stopped_during: PlannedTest | None = None
    reason = _stopped_reason(execution, limits)
    for planned in channel.plan:
        reported = channel.results.get(planned.id)
        if reported is not None:
            tests.append(
                TestResult(
                    planned.name,
                    reported.status,
                    reported.message,
                    reported.output,
                    planned.file,
                    reported.line,
                )
            )
        elif stopped_during is None:
            stopped_during = planned
            if channel.done:
                message = "The test runner reported no result for this test"
            else:
                message = reason + " during this test"
            tests.append(TestResult(planned.name, Status.ERROR, message, None, planned.file))
        else:
            message = f"Not run: the tests stopped during '{_short(stopped_during.name)}'"
            tests.append(TestResult(planned.name, Status.ERROR, message, None, planned.file))

    total = len(tests)
    passed = sum(test.passed for test in tests)
    load_errors = [
        result for result in channel.results.values() if result.kind == "load" and result.message
    ]
    if passed == total:  # every planned test has a nonce-checked "pass" of its own
        message = f"All {total} tests passed." if total > 1 else "The test passed."
        return GradeResult(Status.PASS, message, tests, run)
    if load_errors:
        message = load_errors[0].message or "Your code could not be loaded"
        return GradeResult(Status.ERROR, message, tests, run)
    if stopped_during is not None:
        situation = f"{reason} during '{_short(stopped_during.name)}'"
        if not channel.results:
            return GradeResult(Status.ERROR, situation, tests, run)
        message = f"{situation}; {passed} of {total} tests passed."
        return GradeResult(Status.FAIL, message, tests, run)
    failed = [test for test in tests if not test.passed]
    first = _short(failed[0].name) if failed else ""
    message = f"{len(failed)} of {total} tests did not pass, starting with '{first}'."
    if run.verdict not in (OK, RUNTIME_ERROR) and not channel.done:
        message += f" {reason}."
    return GradeResult(Status.FAIL, message, tests, run)
