"""Counters of events per key over a window, kept in Django's cache.

A window opens at a key's first event and lasts `window` seconds; `limit` events fill it, and the
key is blocked until the window closes. The counters live in the cache named by
settings.RATE_LIMIT_CACHE: the per-process memory cache by default, Redis (shared by every web
process and host) when REDIS_URL is set. Counting uses the cache's atomic `add` and `incr`, so
concurrent requests never lose a count.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

logger = logging.getLogger(__name__)


def _cache():
    return caches[settings.RATE_LIMIT_CACHE]


def _fail_open(default):
    """A cache that cannot be reached (Redis down) must not turn log-ins into errors: the limit
    is skipped for that request, loudly."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, subject):
            try:
                return method(self, subject)
            except Exception as exc:
                logger.warning(
                    "rate limit %s skipped: its cache is unavailable (%s)", self.name, exc
                )
                return default

        return wrapper

    return decorate


@dataclass(frozen=True)
class RateLimit:
    name: str
    limit: int
    window: int  # seconds

    def _key(self, subject: str) -> str:
        # Hashed: subjects are user input (usernames) and cache keys must stay short and plain.
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        return f"rl:{self.name}:{digest}"

    @_fail_open(0)
    def retry_after(self, subject: str) -> int:
        """Seconds until `subject` may try again; 0 when it is not blocked."""
        key = self._key(subject)
        values = _cache().get_many([key, f"{key}:start"])
        started = values.get(f"{key}:start")
        if started is None or values.get(key, 0) < self.limit:
            return 0
        return max(1, math.ceil(started + self.window - time.time()))

    @_fail_open(0)
    def hit(self, subject: str) -> int:
        """Count one event for `subject`; returns the count in the current window."""
        cache = _cache()
        key = self._key(subject)
        # The first event of a window marks its start; both keys expire when the window closes.
        cache.add(f"{key}:start", time.time(), self.window)
        cache.add(key, 0, self.window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, self.window)
            return 1

    @_fail_open(None)
    def reset(self, subject: str) -> None:
        key = self._key(subject)
        _cache().delete_many([key, f"{key}:start"])


def login_by_username() -> RateLimit:
    return RateLimit(
        "login-user", settings.LOGIN_FAILURES_LIMIT, settings.LOGIN_FAILURES_WINDOW_SECONDS
    )


def login_by_ip() -> RateLimit:
    return RateLimit(
        "login-ip", settings.LOGIN_FAILURES_LIMIT, settings.LOGIN_FAILURES_WINDOW_SECONDS
    )


def signup_by_ip() -> RateLimit:
    return RateLimit("signup-ip", settings.SIGNUPS_LIMIT, settings.SIGNUPS_WINDOW_SECONDS)
