"""Fixtures for the tests of apps/core: a live Redis to ping (the machine's REDIS_URL, or an
embedded redis-server on a unix socket), and the broker URL the health check reads."""

import os
import socket
from urllib.parse import urlsplit

import pytest

from apps.core.health import check_sandbox
from portal.celery import app


@pytest.fixture(scope="session")
def live_redis_url(tmp_path_factory):
    """A Redis that answers PING. Nothing is written to it."""
    external = os.environ.get("REDIS_URL", "")
    if external:
        assert urlsplit(external).hostname in {"127.0.0.1", "localhost", "::1"}
        yield external
        return
    from tests.integration.stack import EmbeddedRedis

    server = EmbeddedRedis(tmp_path_factory.mktemp("health-redis"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def broker(monkeypatch):
    """Point this process's Celery app (what the health check pings) at a URL for one test."""

    def point_at(url: str) -> str:
        monkeypatch.setitem(app.conf, "broker_url", url)
        return url

    return point_at


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _fresh_sandbox_check():
    check_sandbox.clear()
    yield
    check_sandbox.clear()
