"""/healthz and `manage.py healthcheck`: the database, Redis (the Celery broker) and the sandbox
preflight, with `down` (503, exit 1) only when the database or Redis fails."""

import json
import logging
import socket

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from apps.core.health import check_database, check_redis, health_report
from apps.sandbox import SandboxUnavailable
from apps.sandbox import host_check as preflight_module


@pytest.fixture
def sandbox_broken(monkeypatch):
    """A host that cannot build the jail (no bubblewrap); counts the preflights run."""
    calls = []

    def missing():
        calls.append(1)
        raise SandboxUnavailable("bubblewrap is not installed")

    monkeypatch.setattr(preflight_module, "bwrap_binary", missing)
    return calls


@pytest.fixture
def database_down(monkeypatch):
    """New connections fail, as they do when the database server is gone (the health check
    uses a connection of its own)."""

    def refuse(self):
        if self.connection is None:
            raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)


def test_healthz_is_ok_when_everything_is_up(client, db, live_redis_url, broker):
    broker(live_redis_url)
    response = client.get("/healthz")  # anonymous: no log-in needed
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"], "probes must never see a cached answer"
    body = response.json()
    assert body["status"] == "ok", body
    assert set(body["checks"]) == {"database", "redis", "sandbox"}
    for name, check in body["checks"].items():
        assert check["ok"] is True, (name, check)
        assert isinstance(check["ms"], float | int) and check["ms"] >= 0
        assert "error" not in check


def test_healthz_is_down_with_503_when_redis_is_unreachable(
    client, db, broker, closed_port, sandbox_broken
):
    broker(f"redis://:s3cret-password@127.0.0.1:{closed_port}/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["redis"]["ok"] is False
    assert "refused" in body["checks"]["redis"]["error"].lower()
    assert body["checks"]["database"]["ok"] is True
    text = response.content.decode()
    assert "s3cret-password" not in text and "Traceback" not in text


def test_a_redis_that_never_answers_is_reported_as_timed_out(db, broker):
    # A listening socket nobody accepts from: the TCP handshake completes, PING never returns.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        result = check_redis(f"redis://127.0.0.1:{port}/0")
    assert result["ok"] is False
    assert "timeout" in result["error"].lower() or "timed out" in result["error"].lower()


def test_the_embedded_servers_socket_url_is_understood(live_redis_url):
    # Whichever Redis the suite has: redis+socket:// (embedded) or redis:// (REDIS_URL).
    assert check_redis(live_redis_url)["ok"] is True


def test_a_broker_that_is_not_redis_is_an_error_not_a_crash():
    result = check_redis("amqp://guest@127.0.0.1:5672//")
    assert result["ok"] is False and "not Redis" in result["error"]


def test_the_database_check_runs_a_query(db):
    assert check_database()["ok"] is True


def test_a_database_that_refuses_connections_is_down(db, database_down, live_redis_url, broker):
    broker(live_redis_url)
    report = health_report()
    assert report["status"] == "down"
    assert report["checks"]["database"] == {
        "ok": False,
        "ms": report["checks"]["database"]["ms"],
        "error": "OperationalError: could not connect to server: Connection refused",
    }
    assert report["checks"]["redis"]["ok"] is True


def test_a_sandbox_failure_on_the_web_host_is_degraded_not_down(
    client, db, live_redis_url, broker, sandbox_broken
):
    broker(live_redis_url)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["sandbox"]["ok"] is False
    assert body["checks"]["sandbox"]["error"] == "bubblewrap is not installed"
    assert body["checks"]["sandbox"]["cached"] is False

    again = client.get("/healthz").json()
    assert again["checks"]["sandbox"]["cached"] is True
    assert len(sandbox_broken) == 1, "the preflight result is reused for a minute"


def test_healthcheck_command_prints_the_report_and_exits_0_when_healthy(
    db, live_redis_url, broker, capsys
):
    broker(live_redis_url)
    call_command("healthcheck")
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "ok"
    assert report["checks"]["redis"]["ok"] is True


def test_healthcheck_command_exits_1_when_redis_is_down(db, broker, closed_port, capsys):
    broker(f"redis://127.0.0.1:{closed_port}/0")
    with pytest.raises(CommandError) as raised:
        call_command("healthcheck")
    assert raised.value.returncode == 1
    assert json.loads(capsys.readouterr().out)["status"] == "down"


def test_on_a_worker_host_a_broken_sandbox_is_down(
    db, live_redis_url, broker, sandbox_broken, capsys
):
    broker(live_redis_url)
    call_command("healthcheck")  # web host: degraded, exit 0
    assert json.loads(capsys.readouterr().out)["status"] == "degraded"
    with pytest.raises(CommandError):
        call_command("healthcheck", "--worker")
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "down"
    assert report["checks"]["sandbox"]["error"] == "bubblewrap is not installed"


def test_healthy_probes_stay_out_of_the_info_log_but_failures_show(
    client, db, live_redis_url, broker, closed_port, caplog
):
    caplog.set_level(logging.INFO, logger="portal.access")
    broker(live_redis_url)
    assert client.get("/healthz").status_code == 200
    assert not [r for r in caplog.records if r.name == "portal.access"], "probes are noise"
    broker(f"redis://127.0.0.1:{closed_port}/0")
    assert client.get("/healthz").status_code == 503
    (line,) = [r for r in caplog.records if r.name == "portal.access"]
    assert line.levelno == logging.INFO and "503" in line.getMessage()
