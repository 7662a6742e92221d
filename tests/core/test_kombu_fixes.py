"""The kombu workaround in apps/core/kombu_fixes.py: a channel whose connection was closed under it
raises a connection error (which Celery survives) instead of an AttributeError (which kills the
worker)."""

import pytest
import redis
from kombu import Connection

import portal.celery  # noqa: F401 - applies the fix, as every worker does


@pytest.fixture
def channel(live_redis_url):
    connection = Connection(live_redis_url, transport_options={"global_keyprefix": "kombu-fix:"})
    try:
        yield connection.default_channel
    finally:
        connection.release()


def test_a_live_connection_still_gets_its_parameters(channel):
    params = channel._connparams()
    assert params.get("path") or params.get("host")


def test_a_closed_connection_is_a_connection_error_not_a_crash(channel):
    client = channel.connection.client
    channel.connection.client = None  # what the consumer's close leaves behind
    try:
        with pytest.raises(redis.exceptions.ConnectionError) as raised:
            channel._connparams()
        assert isinstance(raised.value, channel.connection_errors)  # Celery reconnects on these
    finally:
        channel.connection.client = client
