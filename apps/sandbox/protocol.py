"""The results channel between a harness runner (inside the jail) and the grader.

The runner writes JSON lines to a descriptor of its own (never stdout):

    {"nonce": N, "type": "plan",   "tests": [{"id": 0, "name": "...", "file": "tests.js"}, ...]}
    {"nonce": N, "type": "result", "id": 0, "status": "pass"|"fail"|"error",
                                   "message": str|null, "output": str|null, "kind": str|null}
    {"nonce": N, "type": "done"}
    {"nonce": N, "type": "fatal",  "message": "..."}     (the tests could not start)

`kind` qualifies an error: "load" (the learner's code failed to load), "timeout" (the runner's
per-test timeout), "exit" (the code called exit during a test).

A message that came out of the learner's code ends with the runner's location suffix
" (submission.js line 12)" / " (submission.py line 12)" (runner.js learnerLocation, runner.py
_learner_location). It is read here, once, into `ReportedResult.line`: past this module the line
travels as a number, and nothing matches the message's text again.

Parsing is strict and first-wins: a line whose nonce is not the run's exact nonce is ignored; the
first plan is the plan; a result counts only for a planned id, and only the first one per id; a
result or done before the plan is ignored.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .results import TEST_STATUSES, Status

MAX_NAME = 500

_LEARNER_LOCATION = re.compile(r" \(submission\.(?:js|py) line (\d{1,6})\)$")


def _learner_line(message: str | None) -> int | None:
    """The line of the learner's code a test's message points at, or None. Only the runner's
    own suffix at the very end counts; a learner can only fake it to mark their own gutter."""
    match = _LEARNER_LOCATION.search(message or "")
    return int(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class PlannedTest:
    id: int
    name: str
    file: str | None


@dataclass(frozen=True, slots=True)
class ReportedResult:
    status: Status
    message: str | None
    output: str | None
    kind: str | None
    line: int | None = None  # where in the learner's file a failure came from


@dataclass(slots=True)
class Channel:
    plan: list[PlannedTest] | None = None
    results: dict[int, ReportedResult] = field(default_factory=dict)
    done: bool = False
    fatal: str | None = None
    ignored_lines: int = 0


def _text(value: object, limit: int = 100_000) -> str | None:
    if value is None:
        return None
    return str(value)[:limit] if isinstance(value, str) else None


def parse_channel(data: bytes, nonce: str) -> Channel:
    channel = Channel()
    expected = nonce.encode("ascii")
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            channel.ignored_lines += 1
            continue
        if not isinstance(line, dict):
            channel.ignored_lines += 1
            continue
        given = line.get("nonce")
        if not isinstance(given, str) or not hmac.compare_digest(given.encode("utf-8"), expected):
            channel.ignored_lines += 1
            continue
        kind = line.get("type")
        if kind == "plan" and channel.plan is None:
            channel.plan = _parse_plan(line.get("tests"))
            if channel.plan is None:
                channel.ignored_lines += 1
        elif kind == "result" and channel.plan is not None and not channel.done:
            _add_result(channel, line)
        elif kind == "done" and channel.plan is not None:
            channel.done = True
        elif kind == "fatal" and channel.fatal is None:
            channel.fatal = _text(line.get("message"), 2000) or "the test runner failed"
        else:
            channel.ignored_lines += 1
    return channel


def _parse_plan(tests: object) -> list[PlannedTest] | None:
    if not isinstance(tests, list):
        return None
    plan = []
    seen = set()
    for entry in tests:
        if not isinstance(entry, dict):
            return None
        test_id, name = entry.get("id"), entry.get("name")
        if not isinstance(test_id, int) or isinstance(test_id, bool) or test_id in seen:
            return None
        if not isinstance(name, str):
            return None
        seen.add(test_id)
        plan.append(PlannedTest(test_id, name[:MAX_NAME], _text(entry.get("file"), 200)))
    return plan


def _add_result(channel: Channel, line: dict[str, Any]) -> None:
    test_id = line.get("id")
    planned = {test.id for test in channel.plan or ()}
    status = line.get("status")
    if test_id not in planned or test_id in channel.results or status not in TEST_STATUSES:
        channel.ignored_lines += 1
        return
    message = _text(line.get("message"), 10_000)
    channel.results[test_id] = ReportedResult(
        status=Status(status),
        message=message,
        output=_text(line.get("output"), 20_000),
        kind=_text(line.get("kind"), 20),
        line=None if status == Status.PASS else _learner_line(message),
    )
