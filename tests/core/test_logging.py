"""Structured logs and the request id: JSON lines with the request id, the X-Request-ID header
(echoed, sanitised), one access line per request, and the id carried into Celery tasks."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from apps.core.logging import (
    JsonFormatter,
    RequestContextFilter,
    TextFormatter,
    current_request_id,
    request_id_bound,
)
from portal.celery import (
    REQUEST_ID_TASK_HEADER,
    bind_request_id,
    publish_request_id,
    unbind_request_id,
)

REPO = Path(__file__).resolve().parents[2]
GENERATED = re.compile(r"[0-9a-f]{32}")


def _capture(formatter: logging.Formatter):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestContextFilter())
    return stream, handler


@pytest.fixture
def json_lines():
    """Records reaching the root logger, as our JSON handler writes them (parsed)."""
    stream, handler = _capture(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_a_json_line_has_the_fields_and_the_request_id(json_lines):
    log = logging.getLogger("apps.exercises.tasks")
    with request_id_bound("abc123"):
        log.info("submission %s: %s", 7, "pass", extra={"submission_id": 7, "duration_ms": 412})
    log.warning("outside any request")

    inside, outside = json_lines()
    assert list(inside)[:5] == ["ts", "level", "logger", "message", "request_id"]
    assert inside["level"] == "INFO" and inside["logger"] == "apps.exercises.tasks"
    assert inside["message"] == "submission 7: pass"
    assert inside["request_id"] == "abc123"
    assert inside["submission_id"] == 7 and inside["duration_ms"] == 412
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", inside["ts"])
    assert outside["request_id"] is None and outside["level"] == "WARNING"


def test_an_exception_stays_on_one_json_line():
    stream, handler = _capture(JsonFormatter())
    log = logging.getLogger("tests.one-line")
    log.addHandler(handler)
    log.propagate = False
    try:
        raise ValueError("multi\nline")
    except ValueError:
        log.exception("it broke")
    finally:
        log.removeHandler(handler)
        log.propagate = True
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["message"] == "it broke"
    assert "Traceback" in entry["exc"] and "ValueError: multi\nline" in entry["exc"]


def test_text_lines_show_the_request_id_and_the_fields():
    stream, handler = _capture(TextFormatter())
    log = logging.getLogger("tests.text")
    log.addHandler(handler)
    log.propagate = False
    try:
        with request_id_bound("abc123"):
            log.info("graded", extra={"submission_id": 7})
        log.info("no request")
    finally:
        log.removeHandler(handler)
        log.propagate = True
    first, second = stream.getvalue().splitlines()
    assert first.endswith("INFO tests.text [abc123] graded submission_id=7")
    assert second.endswith("INFO tests.text [-] no request")


def test_the_request_id_header_is_echoed(client, db):
    response = client.get("/ping/", headers={"X-Request-ID": "abc123"})
    assert response["X-Request-ID"] == "abc123"
    assert current_request_id() is None, "the id does not outlive its request"


@pytest.mark.parametrize(
    "sent",
    [
        "",
        "has spaces",
        "line\nbreak",
        "<script>alert(1)</script>",
        "a" * 65,
        "abc123; rm -rf /",
    ],
)
def test_a_request_id_that_is_not_a_sane_token_is_replaced(client, db, sent):
    response = client.get("/ping/", headers={"X-Request-ID": sent})
    assert GENERATED.fullmatch(response["X-Request-ID"]), response["X-Request-ID"]


def test_each_request_without_an_id_gets_a_new_one(client, db):
    first = client.get("/ping/")["X-Request-ID"]
    second = client.get("/ping/")["X-Request-ID"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


def test_one_access_line_per_request(client, db, json_lines):
    client.get("/ping/", headers={"X-Request-ID": "req-1.a_b"})
    access = [line for line in json_lines() if line["logger"] == "portal.access"]
    assert len(access) == 1
    (line,) = access
    assert line["level"] == "INFO"
    assert line["request_id"] == "req-1.a_b"
    assert line["method"] == "GET" and line["path"] == "/ping/" and line["status"] == 200
    assert line["duration_ms"] >= 0 and line["user_id"] is None


def test_the_access_line_names_the_signed_in_learner(client, learner, json_lines):
    client.force_login(learner)
    client.get("/study/")
    (line,) = [line for line in json_lines() if line["logger"] == "portal.access"]
    assert line["user_id"] == learner.pk and line["path"] == "/study/"


def test_a_task_published_inside_a_request_carries_its_id():
    headers: dict = {}
    with request_id_bound("abc123"):
        publish_request_id(headers=headers)
    assert headers[REQUEST_ID_TASK_HEADER] == "abc123"

    outside: dict = {}
    publish_request_id(headers=outside)
    assert REQUEST_ID_TASK_HEADER not in outside


def _fake_task(headers: dict):
    return SimpleNamespace(name="apps.exercises.tasks.grade_submission", request=headers)


def test_a_task_logs_under_the_id_in_its_headers(json_lines):
    task = _fake_task({REQUEST_ID_TASK_HEADER: "abc123"})
    bind_request_id(task_id="t-1", task=task)
    try:
        assert current_request_id() == "abc123"
        logging.getLogger("apps.exercises.tasks").info("grading started")
    finally:
        unbind_request_id(task_id="t-1")
    assert current_request_id() is None
    (line,) = json_lines()
    assert line["request_id"] == "abc123" and line["task_id"] == "t-1"
    assert line["task"] == "apps.exercises.tasks.grade_submission"


@pytest.mark.parametrize("headers", [{}, {REQUEST_ID_TASK_HEADER: "bad id\n"}])
def test_a_task_without_a_usable_id_gets_a_new_one(headers):
    bind_request_id(task_id="t-2", task=_fake_task(headers))
    try:
        assert GENERATED.fullmatch(current_request_id() or "")
    finally:
        unbind_request_id(task_id="t-2")


def test_production_logs_json_lines_on_stderr(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "LOG_", "PYTEST_"))
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="portal.example",
        PORTAL_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    code = (
        "import django, logging; django.setup();"
        "logging.getLogger('apps.demo').info('hello', extra={'user_id': 3})"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    (line,) = done.stderr.splitlines()
    entry = json.loads(line)
    assert entry["message"] == "hello" and entry["logger"] == "apps.demo"
    assert entry["user_id"] == 3 and entry["request_id"] is None
