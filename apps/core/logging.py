"""Structured logs: one JSON object per line in production, readable text in development, and
the request id of whatever is being served (a web request, or a Celery task it published) on
every record.

The request id lives in a context variable: apps.core.request_id sets it for a web request,
portal.celery carries it in the task's headers to the worker and sets it around the task.
`RequestContextFilter` copies it (and any other context fields, such as the task's name) onto
each record; the formatters print it. Anything passed with `extra={...}` becomes a field:

    logger.info("graded", extra={"submission_id": 7, "verdict": "pass", "duration_ms": 412})
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# Fields added to every record while set (the running task's name and id, say).
log_context_var: ContextVar[dict[str, Any] | None] = ContextVar("log_context", default=None)

# Attributes every LogRecord has: whatever else a record carries came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(
    {
        *logging.LogRecord("", logging.INFO, "", 0, "", (), None).__dict__,
        "message",
        "asctime",
        "request_id",
        "taskName",
    }
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str | None:
    """The value when it is a short token safe to echo and log (≤64 of [A-Za-z0-9._-]), else
    None: a client's header never injects anything into logs or responses."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return None


def current_request_id() -> str | None:
    return request_id_var.get()


@contextlib.contextmanager
def request_id_bound(request_id: str, **fields: Any) -> Iterator[str]:
    """Log everything inside the block under this request id (and these extra fields)."""
    token = request_id_var.set(request_id)
    context_token = log_context_var.set({**(log_context_var.get() or {}), **fields})
    try:
        yield request_id
    finally:
        log_context_var.reset(context_token)
        request_id_var.reset(token)


class RequestContextFilter(logging.Filter):
    """Put the current request id and context fields on every record (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        for key, value in (log_context_var.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


_SCALARS = (str, int, float, bool, type(None))
_DATA = (*_SCALARS, list, tuple, dict)


def _extra_fields(record: logging.LogRecord, types: tuple[type, ...] = _DATA) -> dict[str, Any]:
    # Plain data only: Django attaches the request (or a socket) itself, which is no field.
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _RECORD_ATTRIBUTES and not key.startswith("_") and isinstance(value, types)
    }


def _request_id_of(record: logging.LogRecord) -> str | None:
    # Set by the filter; read here too so a handler configured without it still says it.
    rid = getattr(record, "request_id", None)
    return rid if rid is not None else request_id_var.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message, request_id, then the extra fields,
    then `exc` (the traceback) when there is one. Newlines inside values stay escaped, so one
    record is always one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id_of(record),
        }
        for key, value in _extra_fields(record).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`2025-01-02 03:04:05,678 INFO apps.exercises.tasks [abc123] message key=value ...`"""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        extras = _extra_fields(record, _SCALARS)
        saved = record.__dict__.get("request_id")
        record.request_id = _request_id_of(record) or "-"
        try:
            text = super().format(record)
        finally:
            record.request_id = saved
        if extras:
            fields = " ".join(f"{key}={value}" for key, value in extras.items())
            first, newline, rest = text.partition("\n")  # keep a traceback after the fields
            text = f"{first} {fields}{newline}{rest}"
        return text


def logging_config(*, json: bool, level: str = "INFO") -> dict[str, Any]:
    """The LOGGING dict for settings: one stderr handler on the root logger, everything
    (Django, Celery, the apps) propagating to it once."""
    formatter = "json" if json else "text"
    level = level.upper()
    # Django's INFO lines (its dev server's access log) but not its DEBUG chatter.
    numeric = logging.getLevelName(level)
    django_level = level if isinstance(numeric, int) and numeric > logging.INFO else "INFO"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": "apps.core.logging.RequestContextFilter"}},
        "formatters": {
            "json": {"()": "apps.core.logging.JsonFormatter"},
            "text": {"()": "apps.core.logging.TextFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": formatter,
                "filters": ["request_context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's defaults add their own handlers (console in DEBUG, mail_admins):
            # replace them so each record is written once, in our format.
            "django": {"handlers": [], "level": django_level, "propagate": True},
            "django.db.backends": {"level": "WARNING"},
        },
    }
