"""A workaround for a kombu race that kills Celery workers when Redis goes away.

When the broker connection drops (Redis restarted, its socket gone), Celery's consumer closes
the connection; closing the channel restores its unacknowledged messages, which needs a Redis
client; kombu builds one from `channel.connection.client`, which the close has already set to
None. The resulting AttributeError is not a connection error, so Celery calls it "Unrecoverable"
and the worker exits (seen in tests/faults/test_redis_restart.py, about one run in ten).

Here that case raises redis-py's ConnectionError instead: the close ignores it, the consumer
reconnects as it does for any broker outage, and the unacknowledged messages are restored by
kombu's visibility timeout once Redis is back (and the sweep re-enqueues anything still stuck).
Applied once, from portal/celery.py; kombu is pinned in requirements.txt, and the test in
tests/portal/test_kombu_fixes.py fails if the method it wraps changes shape.
"""

from __future__ import annotations

import functools

_APPLIED = False


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    import redis
    from kombu.transport import redis as kombu_redis

    original = kombu_redis.Channel._connparams

    @functools.wraps(original)
    def _connparams(self, *args, **kwargs):
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError(
                "the broker connection is closed (kombu: no client to build a pool from)"
            )
        return original(self, *args, **kwargs)

    kombu_redis.Channel._connparams = _connparams  # type: ignore[method-assign]
    _APPLIED = True
