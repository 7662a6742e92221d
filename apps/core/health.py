"""Health checks for /healthz and `manage.py healthcheck`: the database, the Celery broker
(Redis) and the sandbox preflight, each bounded in time, all three run side by side.

Status:
- `down` (HTTP 503, exit 1): the database or Redis fails. This process cannot serve learners
  (or cannot queue their code): take it out of the load balancer, restart it.
- `degraded` (HTTP 200, exit 0): only the sandbox fails. A web host does not grade, and may
  legitimately be unable to build the jail (no user namespaces in its container); submissions
  still queue and are graded by the workers. On a worker host the jail is required:
  `manage.py healthcheck --worker` counts a sandbox failure as `down`.
- `ok`: everything passed.

The preflight spawns two jailed runs, so its result is cached in-process for a minute. Errors
are short reasons (an exception's class and message, never a traceback or the broker's
password); the full story goes to the log.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from apps import sandbox

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0
REDIS_TIMEOUT_SECONDS = 1.0
SANDBOX_CACHE_SECONDS = 60.0
ERROR_MAX_CHARS = 300

Result = dict[str, Any]


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _reason(exc: BaseException, *, secret: str | None = None) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    if secret:
        text = text.replace(secret, "***")
    return text.splitlines()[0][:ERROR_MAX_CHARS] if text else type(exc).__name__


def _bounded(check: Callable[[], Result], *, timeout: float) -> Callable[[], Result]:
    """Start `check` in a daemon thread now; the returned function waits for its result, at most
    until `timeout` after the start. A check that hangs is reported, then left to finish."""
    holder: list[Result] = []
    started = time.perf_counter()

    def target() -> None:
        try:
            holder.append(check())
        except Exception as exc:  # a check reports its own failures; this is a bug in one
            logger.exception("health check crashed")
            holder.append({"ok": False, "ms": _elapsed_ms(started), "error": _reason(exc)})

    # The thread logs under the request's id too.
    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(target,), name="healthcheck", daemon=True)
    thread.start()

    def result() -> Result:
        thread.join(max(0.0, timeout - (time.perf_counter() - started)))
        if holder:
            return holder[0]
        return {"ok": False, "ms": _elapsed_ms(started), "error": f"timed out after {timeout:g} s"}

    return result


def check_database() -> Result:
    """A trivial query on the default database, on a connection of its own (closed after)."""
    from django.db import connections

    started = time.perf_counter()
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.warning("health: database check failed: %s", exc)
        return {"ok": False, "ms": _elapsed_ms(started), "error": _reason(exc)}
    finally:
        # This runs in its own thread: its connection would otherwise never be closed.
        connection.close()
    return {"ok": True, "ms": _elapsed_ms(started)}


def redis_client_for(broker_url: str, *, timeout: float = REDIS_TIMEOUT_SECONDS):
    """A redis-py client for a Celery broker URL: `redis://`, `rediss://`, or kombu's
    `redis+socket:///path/to.sock` (the embedded server's unix socket). No retries: a health
    check wants the first answer."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    parts = urlsplit(broker_url)
    if parts.scheme in {"redis+socket", "socket"}:
        url = f"unix://{parts.path}" + (f"?{parts.query}" if parts.query else "")
    elif parts.scheme in {"redis", "rediss", "unix"}:
        url = broker_url
    else:
        raise ValueError(f"the broker is not Redis (scheme {parts.scheme!r})")
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        retry_on_timeout=False,
    )


def check_redis(broker_url: str, *, timeout: float = REDIS_TIMEOUT_SECONDS) -> Result:
    """PING the Celery broker with a short timeout."""
    started = time.perf_counter()
    secret = urlsplit(broker_url).password
    client = None
    try:
        client = redis_client_for(broker_url, timeout=timeout)
        client.ping()
    except Exception as exc:
        reason = _reason(exc, secret=secret)
        logger.warning("health: redis check failed: %s", reason)
        return {"ok": False, "ms": _elapsed_ms(started), "error": reason}
    finally:
        if client is not None:
            client.close()
    return {"ok": True, "ms": _elapsed_ms(started)}


class SandboxCheck:
    """The sandbox preflight, run at most once per `max_age` seconds per process (it builds the
    jail twice), one run at a time, in a thread of its own: callers wait at most `timeout`."""

    def __init__(self, *, max_age: float = SANDBOX_CACHE_SECONDS):
        self.max_age = max_age
        self._lock = threading.Lock()
        self._result: Result | None = None
        self._checked_at = 0.0
        self._running: threading.Thread | None = None

    def clear(self) -> None:
        with self._lock:
            self._result = None
            self._checked_at = 0.0

    def __call__(self, *, timeout: float = CHECK_TIMEOUT_SECONDS) -> Result:
        with self._lock:
            if self._result is not None and time.monotonic() - self._checked_at < self.max_age:
                return {**self._result, "cached": True}
            if self._running is None or not self._running.is_alive():
                self._running = threading.Thread(
                    target=contextvars.copy_context().run,
                    args=(self._refresh,),
                    name="healthcheck-sandbox",
                    daemon=True,
                )
                self._running.start()
            running = self._running
        running.join(timeout)
        with self._lock:
            if not running.is_alive() and self._result is not None:
                return {**self._result, "cached": False}
        return {"ok": False, "ms": timeout * 1000, "error": f"timed out after {timeout:g} s"}

    def _refresh(self) -> None:
        started = time.perf_counter()
        try:
            sandbox.preflight()
        except sandbox.SandboxUnavailable as exc:
            logger.warning("health: sandbox preflight failed: %s", exc.reason)
            result = {"ok": False, "ms": _elapsed_ms(started), "error": exc.reason}
        except Exception as exc:
            logger.exception("health: sandbox preflight crashed")
            result = {"ok": False, "ms": _elapsed_ms(started), "error": _reason(exc)}
        else:
            result = {"ok": True, "ms": _elapsed_ms(started)}
        with self._lock:
            self._result = result
            self._checked_at = time.monotonic()


check_sandbox = SandboxCheck()


def broker_url() -> str:
    """The URL this process really publishes to (settings.CELERY_BROKER_URL, unless the Celery
    app was pointed elsewhere at run time)."""
    from portal.celery import app

    return app.conf.broker_url


def health_report(*, sandbox_required: bool = False) -> Result:
    """{"status": "ok" | "degraded" | "down", "checks": {"database": {...}, "redis": {...},
    "sandbox": {...}}}; each check has `ok`, `ms`, and `error` when it failed."""
    url = broker_url()
    pending = {
        "database": _bounded(check_database, timeout=CHECK_TIMEOUT_SECONDS),
        "redis": _bounded(lambda: check_redis(url), timeout=CHECK_TIMEOUT_SECONDS),
        "sandbox": _bounded(check_sandbox, timeout=CHECK_TIMEOUT_SECONDS + 0.5),
    }
    checks = {name: result() for name, result in pending.items()}
    critical = ("database", "redis", "sandbox") if sandbox_required else ("database", "redis")
    if not all(checks[name]["ok"] for name in critical):
        status = "down"
    elif not all(check["ok"] for check in checks.values()):
        status = "degraded"
    else:
        status = "ok"
    return {"status": status, "checks": checks}
