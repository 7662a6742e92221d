"""Issue 6: the cohort dashboard at 100 and at 1,000 learners, on SQLite and on PostgreSQL.

Each learner has 200 cards' worth of history (the course is padded with generated cards up to
200), seeded by `seed_demo`'s generator with bulk inserts through the real FSRS scheduler, plus
exercise runs with per-test results. Both cohorts live in the same database, as they would in
production. The dashboard is served by gunicorn with production settings (2 sync workers) and
measured with the same load loop as the other benchmarks, the two sizes interleaved.

Goal: the 1,000-learner dashboard takes at most 3x the time of the 100-learner one (p50), with
the same number of queries.

Run it with `python -m bench cohorts` (needs PostgreSQL at BENCH_POSTGRES_URL, default
postgres://postgres@127.0.0.1:5432/postgres, where it creates and drops its own database;
BENCH_COHORT_BACKENDS=sqlite skips PostgreSQL).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import time

from bench.common import PYTHON, REPO, Table, bench_env, bench_var_dir, gunicorn, http_load, manage

ROUNDS = 4
SECONDS = 3.0
SIZES = (100, 1000)
CARDS = 200
DAYS = 30
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def pad_course(total: int) -> int:
    """Add generated lessons of 20 cards to a `bench-extra` track until the course has `total`
    live cards (the shipped course is smaller). Returns the number of live cards."""
    from apps.content.models import Card, Lesson, Track
    from apps.content.services import content_generation_bump

    live = Card.objects.filter(
        is_retired=False, lesson__is_retired=False, lesson__track__is_retired=False
    )
    missing = total - live.count()
    if missing <= 0:
        return live.count()
    track, _ = Track.objects.get_or_create(
        slug="bench-extra", defaults={"title": "Benchmark padding", "order": 99}
    )
    number = 0
    while missing > 0:
        number += 1
        lesson, _ = Lesson.objects.get_or_create(
            slug=f"bench-extra-{number:02d}",
            defaults={"track": track, "title": f"Padding lesson {number}", "order": number},
        )
        size = min(20, missing)
        Card.objects.bulk_create(
            Card(
                slug=f"bench-extra-{number:02d}-{index:02d}", lesson=lesson, kind="qa",
                question_md=f"Generated question {number}.{index}?",
                question_html=f"<p>Generated question {number}.{index}?</p>",
                answer_md="An answer.", answer_html="<p>An answer.</p>",
                key_points=["one", "two", "three"], order=index,
            )
            for index in range(1, size + 1)
        )  # fmt: skip
        missing -= size
    content_generation_bump()
    return live.count()


def seed() -> None:
    """Inside Django: pad the course, seed both cohorts, count the dashboard's queries, make a
    session for the instructor; print one JSON line."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.services import user_create
    from apps.cohorts import services
    from apps.cohorts.demo import demo_cohort_seed
    from apps.cohorts.models import Cohort
    from apps.study.models import CardState, ReviewLog

    cards = pad_course(CARDS)
    instructor = user_create(
        username="bench-instructor", password=secrets.token_urlsafe(12), is_instructor=True
    )
    cohorts, seconds = {}, {}
    for size in SIZES:
        started = time.monotonic()
        summary = demo_cohort_seed(
            instructor=instructor, learners=size, days=DAYS, name=f"Bench {size}", seed=size
        )
        seconds[size] = time.monotonic() - started
        cohorts[size] = summary.cohort.pk
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    refresh_ms = {}
    for size, pk in cohorts.items():
        cohort = Cohort.objects.select_related("instructor").get(pk=pk)
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            services.cohort_stats_refresh(cohort=cohort)
            timings.append(1000 * (time.perf_counter() - started))
        refresh_ms[size] = min(timings)

    queries = {}
    for size, pk in cohorts.items():
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(instructor)
        client.get(f"/cohorts/{pk}/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/cohorts/{pk}/").status_code == 200
        queries[size] = len(captured.captured_queries)

    session = SessionStore()
    session[SESSION_KEY] = str(instructor.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = instructor.get_session_auth_hash()
    session.create()
    print(
        json.dumps(
            {
                "session": session.session_key,
                "cohorts": cohorts,
                "seed_seconds": seconds,
                "refresh_ms": refresh_ms,
                "queries": queries,
                "cards": cards,
                "states": {
                    size: CardState.objects.filter(user__cohort_memberships__cohort=pk).count()
                    for size, pk in cohorts.items()
                },
                "reviews": {
                    size: ReviewLog.objects.filter(user__cohort_memberships__cohort=pk).count()
                    for size, pk in cohorts.items()
                },
            }
        )
    )


def _seed(env: dict[str, str]) -> dict:
    code = "import django; django.setup(); from bench.bench_cohorts import seed; seed()"
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=REPO, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def postgres_database():
    """A fresh database on the PostgreSQL server, dropped afterwards; yields its URL."""
    import psycopg

    name = f"bench_cohorts_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _measure(env: dict[str, str], backend: str) -> Table:
    manage(env, "migrate", "--no-input")
    manage(env, "import_content")
    manage(env, "collectstatic", "--no-input")
    seeded = _seed(env)
    headers = {"Host": "127.0.0.1", "Cookie": f"sessionid={seeded['session']}"}
    paths = {size: f"/cohorts/{seeded['cohorts'][str(size)]}/" for size in SIZES}
    results: dict[int, list[dict]] = {size: [] for size in SIZES}
    with gunicorn(env) as port:
        for size in SIZES:
            http_load(port, [("GET", paths[size], headers, None)], seconds=1.0)
        for _ in range(ROUNDS):  # interleaved, so drift hits both sides alike
            for size in SIZES:
                result = http_load(port, [("GET", paths[size], headers, None)], seconds=SECONDS)
                assert set(result["statuses"]) == {200}, (size, result["statuses"])
                results[size].append(result)
    p50 = {size: sorted(r["p50_ms"] for r in rs)[ROUNDS // 2] for size, rs in results.items()}
    p99 = {size: sorted(r["p99_ms"] for r in rs)[ROUNDS // 2] for size, rs in results.items()}
    rps = {size: sum(r["rps"] for r in rs) / ROUNDS for size, rs in results.items()}
    small, large = SIZES
    ratio = p50[large] / p50[small]
    queries = {size: seeded["queries"][str(size)] for size in SIZES}
    rows = [
        [
            f"{size:,}",
            f"{seeded['states'][str(size)]:,}",
            f"{seeded['reviews'][str(size)]:,}",
            f"{seeded['seed_seconds'][str(size)]:.0f}",
            f"{seeded['refresh_ms'][str(size)]:.0f}",
            str(queries[size]),
            f"{rps[size]:.1f}",
            f"{p50[size]:.1f}",
            f"{p99[size]:.1f}",
            f"{p50[size] / p50[small]:.2f}",
        ]
        for size in SIZES
    ]
    return Table(
        title=f"Cohort dashboard, {backend}: 100 vs 1,000 learners x {seeded['cards']} cards "
        "(gunicorn, 2 sync workers, 4 clients)",
        columns=[
            "learners",
            "card states",
            "reviews",
            "seed s",
            "refresh ms",
            "queries",
            "requests/s",
            "p50 ms",
            "p99 ms",
            "time ratio",
        ],
        rows=rows,
        goal="1,000 learners p50 <= 3 x 100 learners, same number of queries",
        goal_met=ratio <= 3.0 and queries[small] == queries[large],
        notes=[
            "the page reads the cohort-wide figures from their stored snapshot; 'refresh ms' is"
            " the cost of recomputing them (at most once a minute per cohort, or after a"
            " membership change, or on 'Refresh now')",
            "the heatmap is live: one page of 50 learners, sorted by name",
        ],
    )


def run() -> list[Table]:
    backends = os.environ.get("BENCH_COHORT_BACKENDS", "sqlite,postgresql").split(",")
    tables = []
    if "sqlite" in backends:
        with bench_var_dir() as var_dir:
            tables.append(_measure(bench_env(var_dir), "SQLite"))
    if "postgresql" in backends:
        with bench_var_dir() as var_dir, postgres_database() as url:
            tables.append(_measure(bench_env(var_dir, DATABASE_URL=url), "PostgreSQL"))
    return tables
