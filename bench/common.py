"""Shared pieces for benchmarks: a gunicorn server on loopback with production settings, a
bounded HTTP load loop, and table printing."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    goal: str = ""
    goal_met: bool = True
    notes: list[str] = field(default_factory=list)


def print_table(table: Table) -> None:
    widths = [
        max(len(str(cell)) for cell in [col, *(row[i] for row in table.rows)])
        for i, col in enumerate(table.columns)
    ]
    print(f"\n{table.title}")
    print("| " + " | ".join(c.ljust(w) for c, w in zip(table.columns, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in table.rows:
        cells = (str(c).ljust(w) for c, w in zip(row, widths, strict=True))
        print("| " + " | ".join(cells) + " |")
    if table.goal:
        print(f"goal: {table.goal} -> {'met' if table.goal_met else 'NOT MET'}")
    for note in table.notes:
        print(f"note: {note}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
        SECURE_SSL_REDIRECT="0",  # plain http on 127.0.0.1
        PORTAL_VAR_DIR=str(var_dir),
        LOG_LEVEL="WARNING",
        # Measure the pipeline alone, not the background fill of named-mistake fingerprints a
        # worker starts on a fresh database.
        EXERCISE_FINGERPRINTS_ON_START="0",
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def bench_var_dir():
    path = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL
    )


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 2):
    """gunicorn serving the portal on 127.0.0.1 (sync workers, production settings)."""
    port = free_port()
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--worker-class", "sync", "--log-level", "warning"],
        cwd=REPO, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start within 30 s")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def http_load(
    port: int,
    requests: list[tuple[str, str, dict[str, str], bytes | None]],
    *,
    seconds: float,
    clients: int = 4,
    max_requests: int = 100_000,
) -> dict:
    """Replay `requests` (method, path, headers, body) round-robin from `clients` threads with
    keep-alive connections on loopback, for at most `seconds` and `max_requests`. Returns
    requests/s, latency percentiles and status counts."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    budget = [max_requests]

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        index = offset
        while time.monotonic() < stop_at:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            method, path, headers, body = requests[index % len(requests)]
            index += 1
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - started
    latencies.sort()
    return {
        "rps": len(latencies) / duration if duration else 0.0,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0.0,
        "count": len(latencies),
        "statuses": statuses,
    }
