"""deploy/gunicorn.conf.py: its values under the environment variables docs/deploy.md names, and
a real gunicorn started with it in production mode (DEBUG off) on loopback, serving the app on
the test database and the hashed, compressed static files that collectstatic built."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import gunicorn.config
import pytest
from django.db import connection

from tests.deploy.layout import DEPLOY, REPO

CONFIG = DEPLOY / "gunicorn.conf.py"
HTTPS = {"X-Forwarded-Proto": "https"}  # what the load balancer adds; 127.0.0.1 is trusted


def load_config(monkeypatch, **env: str) -> dict:
    for name in ("BIND", "PORT", "WEB_CONCURRENCY", "GUNICORN_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_defaults_are_production_ready(monkeypatch):
    config = load_config(monkeypatch)
    assert config["bind"] == ["127.0.0.1:8000"]
    cores = len(os.sched_getaffinity(0))
    assert config["workers"] == min(2 * cores + 1, 8)
    assert config["worker_class"] == "gthread" and config["threads"] == 2
    assert config["accesslog"] is None, "the app logs requests itself"
    assert config["worker_tmp_dir"] == "/dev/shm"
    assert config["max_requests"] > 0 and config["max_requests_jitter"] > 0
    assert config["keepalive"] > 60, "longer than the load balancer's idle timeout (Caddyfile)"
    assert config["control_socket_disable"] is True
    assert config["forwarder_headers"] == ""


def test_environment_overrides(monkeypatch):
    config = load_config(
        monkeypatch,
        BIND="0.0.0.0:80,unix:/run/portal/web.sock",
        WEB_CONCURRENCY="3",
        GUNICORN_ACCESS_LOG="1",
        GUNICORN_CONTROL_SOCKET="/run/portal-web/gunicorn.ctl",
    )
    assert config["bind"] == ["0.0.0.0:80", "unix:/run/portal/web.sock"]
    assert config["workers"] == 3 and config["accesslog"] == "-"
    assert config["control_socket"] == "/run/portal-web/gunicorn.ctl"
    assert load_config(monkeypatch, PORT="9001")["bind"] == ["127.0.0.1:9001"]


def test_every_setting_in_the_file_is_one_gunicorn_knows_and_accepts(monkeypatch):
    """A misspelt setting (`max_request`) would be ignored silently by gunicorn."""
    config = load_config(monkeypatch)
    settings = gunicorn.config.Config()
    public = {
        name: value
        for name, value in config.items()
        if not name.startswith("_") and name.islower() and not callable(value)
        and not hasattr(value, "__spec__")  # modules
    }  # fmt: skip
    helpers = {"access_log_on", "control_socket_path"}
    unknown = set(public) - set(settings.settings) - helpers
    assert not unknown, f"not gunicorn settings: {sorted(unknown)}"
    for name in set(public) - helpers:
        settings.set(name, public[name])  # gunicorn's own validation


# --- a real server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The test database as a DATABASE_URL, for a process that reads production settings."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def production_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "DJANGO_", "CELERY_")) and k != "DEBUG"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="0",
        SECRET_KEY="deploy-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_COOKIES="0",
        PORTAL_VAR_DIR=str(var_dir),
        DATABASE_URL=database_url(),
        # Nothing listens there: /healthz must say the broker is down.
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def get(port: int, path: str, headers: dict[str, str] | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@contextlib.contextmanager
def gunicorn_server(env: dict[str, str], log: Path):
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(CONFIG)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    port = int(env["BIND"].rsplit(":", 1)[1])
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"gunicorn exited:\n{log.read_text()[-3000:]}"
            with contextlib.suppress(OSError):
                if get(port, "/ping/", HTTPS)[0] == 200:
                    break
            assert time.monotonic() < deadline, f"gunicorn not ready:\n{log.read_text()[-3000:]}"
            time.sleep(0.2)
        yield process, port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=45)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def static_root(tmp_path) -> Path:
    """collectstatic as the image build runs it: production storage, into a fresh STATIC_ROOT
    (settings: PORTAL_VAR_DIR/staticfiles)."""
    env = production_env(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp_path / "staticfiles"


def test_gunicorn_serves_the_app_and_hashed_static_files_in_production_mode(
    transactional_db, tmp_path, static_root
):
    port = free_port()
    env = production_env(tmp_path, BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2")
    log = tmp_path / "gunicorn.log"
    with gunicorn_server(env, log) as (process, port):
        status, _, body = get(port, "/ping/", HTTPS)
        assert (status, body) == (200, b"ok")

        # The home page, rendered from the test database, links the hashed stylesheet.
        status, _, body = get(port, "/", HTTPS)
        html = body.decode()
        assert status == 200, html[:2000]
        match = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', html)
        assert match, "the page must link the hashed file name"
        hashed = match.group(1)

        # whitenoise serves it compressed, cacheable forever, byte for byte what was collected.
        status, headers, body = get(port, hashed, {**HTTPS, "Accept-Encoding": "gzip"})
        assert status == 200
        assert headers.get("Content-Encoding") == "gzip"
        assert "immutable" in headers.get("Cache-Control", "")
        collected = static_root / hashed.removeprefix("/static/")
        assert gzip.decompress(body) == collected.read_bytes()

        # A browser speaking plain http (no load balancer in between) is sent to https.
        status, headers, _ = get(port, "/")
        assert status == 301 and headers["Location"].startswith("https://127.0.0.1")

        # The container health check: fine for /ping/, and it fails when /healthz says the
        # broker is down (REDIS_URL points at a closed port).
        check = [sys.executable, str(DEPLOY / "http_check.py")]
        ping = subprocess.run([*check, "/ping/"], env=env, capture_output=True, timeout=30)
        assert ping.returncode == 0, ping.stdout + ping.stderr
        health = subprocess.run([*check, "/healthz"], env=env, capture_output=True, timeout=30)
        assert health.returncode == 1, health.stdout + health.stderr
        report = json.loads(health.stdout.decode().split(" ", 3)[3])
        assert report["status"] == "down"

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=45) == 0, "a graceful stop"
    output = log.read_text()
    assert output.count("Booting worker") == 2, output[-3000:]
    assert "Using worker: gthread" in output
