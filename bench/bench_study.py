"""Issue 3: studying under load, on gunicorn with production settings (2 sync workers).

1. The rating request (what happens between "reveal" and "stored": lock the card's state, run
   FSRS, append the log, update the day, render the htmx fragment with the new due count),
   requests/s against the bare `HttpResponse('ok')` floor of /ping/ on the same server. Every
   request carries a fresh idempotency key, so each one is a real review.
2. The learner dashboard for a learner with 200 reviews and one with a year of history
   (20,000 reviews, seeded with bulk inserts through the real FSRS scheduler). Goal: the large
   one takes at most 2x the time of the small one, in the same number of queries.

Run one with `python -m bench study`.
"""

from __future__ import annotations

import itertools
import json
import secrets
import subprocess
import threading
from urllib.parse import urlencode

from bench.common import PYTHON, REPO, Table, bench_env, bench_var_dir, gunicorn, http_load, manage

ROUNDS = 4
SECONDS = 3.0
SMALL, LARGE = 200, 20_000
CSRF = "benchcsrf" + "0" * 23  # a 32-character CSRF secret, sent as cookie and header


def seed() -> None:
    """Runs inside `manage.py shell`-like Django setup (see `_seed`): creates the learners,
    their history and sessions, counts the dashboard's queries, prints one JSON line."""
    import random
    from collections import Counter
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from fsrs import Rating

    from apps.accounts.services import user_create
    from apps.content.models import Card, Track
    from apps.core import clock
    from apps.study import scheduling, services
    from apps.study.models import CardState, ReviewDay, ReviewLog

    cards = list(Card.objects.live().order_by("pk"))
    now = clock.now()

    def session_for(user) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return session.session_key

    def history(user, reviews: int, days: int) -> None:
        """`reviews` reviews spread over the last `days` days, replayed through FSRS."""
        rng = random.Random(reviews)
        scheduler = scheduling.scheduler()
        states: dict[int, object] = {}
        meta: dict[int, dict] = {}
        logs, per_day = [], Counter()
        again_per_day = Counter()
        start = now - timedelta(days=days)
        for index in range(reviews):
            moment = start + timedelta(seconds=index * days * 86_400 / reviews)
            card = cards[index % len(cards)]
            before = states.get(card.pk)
            fsrs_card = before or scheduling.fsrs_card_new(card_id=card.pk, now=moment)
            rating = rng.choice([1, 2, 3, 3, 3, 3, 4])
            after, _ = scheduler.review_card(fsrs_card, Rating(rating), review_datetime=moment)
            states[card.pk] = after
            info = meta.setdefault(card.pk, {"reps": 0, "lapses": 0, "created": moment})
            info["reps"] += 1
            info["lapses"] += rating == 1
            logs.append(
                ReviewLog(
                    user=user, card=card, rating=rating, duration_ms=rng.randint(2000, 30000),
                    source="review", state_before=before.to_dict() if before else None,
                    state_after=after.to_dict(), reviewed_at=moment,
                    idempotency_key=f"seed-{index}",
                )
            )  # fmt: skip
            day = clock.local_date(user=user, moment=moment)
            per_day[day] += 1
            again_per_day[day] += rating == 1
        ReviewLog.objects.bulk_create(logs, batch_size=2000)
        CardState.objects.bulk_create(
            CardState(
                user=user, card_id=card_id, fsrs=state.to_dict(), state=int(state.state),
                stability=state.stability, difficulty=state.difficulty, due=state.due,
                last_review=state.last_review, reps=meta[card_id]["reps"],
                lapses=meta[card_id]["lapses"], created_at=meta[card_id]["created"],
            )
            for card_id, state in states.items()
        )  # fmt: skip
        ReviewDay.objects.bulk_create(
            ReviewDay(user=user, day=day, reviews=count, again=again_per_day[day])
            for day, count in per_day.items()
        )
        services.study_plan_set_interview_date(
            user=user, interview_date=(now + timedelta(days=30)).date()
        )
        for _ in range(5):
            mock = services.mock_create(
                user=user, tracks=list(Track.objects.live()), question_count=3,
                seconds_per_question=60, rng=rng,
            )  # fmt: skip
            for question in mock.questions.all():
                services.mock_question_score(question=question, covered=[0, 1, 2])

    password = secrets.token_urlsafe(12)
    rater = user_create(username="bench-rater", password=password)
    small = user_create(username="bench-small", password=password, time_zone="Europe/Paris")
    large = user_create(username="bench-large", password=password, time_zone="Europe/Paris")
    history(small, SMALL, days=14)
    history(large, LARGE, days=365)

    queries = {}
    for name, user in (("small", small), ("large", large)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        client.get("/study/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/study/").status_code == 200
        queries[name] = len(captured.captured_queries)

    print(
        json.dumps(
            {
                "sessions": {
                    "rater": session_for(rater),
                    "small": session_for(small),
                    "large": session_for(large),
                },
                "reviews": {
                    "small": ReviewLog.objects.filter(user=small).count(),
                    "large": ReviewLog.objects.filter(user=large).count(),
                },
                "queries": queries,
                "cards": [card.slug for card in cards],
            }
        )
    )


def _seed(env: dict[str, str]) -> dict:
    code = "import django; django.setup(); from bench.bench_study import seed; seed()"
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=REPO, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


class FreshRatings:
    """An endless list of rating posts for http_load, each with its own idempotency key.

    http_load indexes its list round-robin from several threads (the same index can come up in
    two threads), so the index is ignored: every access hands out the next unused request."""

    def __init__(self, *, session: str, cards: list[str], prefix: str):
        self.session = session
        self.cards = cards
        self.prefix = prefix
        self.counter = itertools.count()
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return 1 << 30

    def __getitem__(self, _index: int):
        with self.lock:
            n = next(self.counter)
        body = urlencode(
            {
                "rating": 3,
                "idempotency_key": f"{self.prefix}-{n:09d}",
                "duration_ms": 2500,
                "context": "lesson",
            }
        ).encode()
        headers = {
            "Host": "127.0.0.1",
            "Cookie": f"sessionid={self.session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(body)),
        }
        return ("POST", f"/study/cards/{self.cards[n % len(self.cards)]}/rate/", headers, body)


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def run() -> list[Table]:
    with bench_var_dir() as var_dir:
        env = bench_env(var_dir)
        manage(env, "migrate", "--no-input")
        manage(env, "import_content")
        manage(env, "collectstatic", "--no-input")
        seeded = _seed(env)
        sessions = seeded["sessions"]
        plain = {"Host": "127.0.0.1"}

        def dashboard(name: str) -> list:
            headers = {**plain, "Cookie": f"sessionid={sessions[name]}"}
            return [("GET", "/study/", headers, None)]

        rate = {"ok": [], "rate": []}
        board = {"small": [], "large": []}
        with gunicorn(env) as port:
            warm = FreshRatings(session=sessions["rater"], cards=seeded["cards"], prefix="warm")
            http_load(port, warm, seconds=1.0)
            for name in ("small", "large"):
                http_load(port, dashboard(name), seconds=1.0)
            for round_number in range(ROUNDS):  # interleaved, so drift hits every side alike
                for name in ("ok", "rate"):
                    if name == "ok":
                        requests = [("GET", "/ping/", plain, None)]
                    else:
                        requests = FreshRatings(
                            session=sessions["rater"], cards=seeded["cards"],
                            prefix=f"round{round_number}",
                        )  # fmt: skip
                    result = http_load(port, requests, seconds=SECONDS)
                    assert set(result["statuses"]) == {200}, (name, result["statuses"])
                    rate[name].append(result)
                for name in ("small", "large"):
                    result = http_load(port, dashboard(name), seconds=SECONDS)
                    assert set(result["statuses"]) == {200}, (name, result["statuses"])
                    board[name].append(result)

    ok_rps = sum(r["rps"] for r in rate["ok"]) / ROUNDS
    rate_rps = sum(r["rps"] for r in rate["rate"]) / ROUNDS
    rating_ratio = rate_rps / ok_rps
    p50 = {name: _median([r["p50_ms"] for r in rs]) for name, rs in {**rate, **board}.items()}
    p99 = {name: _median([r["p99_ms"] for r in rs]) for name, rs in {**rate, **board}.items()}
    rps = {name: sum(r["rps"] for r in rs) / ROUNDS for name, rs in board.items()}
    time_ratio = p50["large"] / p50["small"]
    queries = seeded["queries"]
    reviews = seeded["reviews"]
    return [
        Table(
            title="Rating request vs HttpResponse('ok') floor (gunicorn, 2 sync workers, 4 clients)",  # noqa: E501
            columns=["endpoint", "requests/s", "p50 ms", "p99 ms", "ratio to floor"],
            rows=[
                [
                    "GET /ping/ (floor)",
                    f"{ok_rps:.0f}",
                    f"{p50['ok']:.1f}",
                    f"{p99['ok']:.1f}",
                    "1.00",
                ],
                [
                    "POST /study/cards/<slug>/rate/ (htmx)",
                    f"{rate_rps:.0f}",
                    f"{p50['rate']:.1f}",
                    f"{p99['rate']:.1f}",
                    f"{rating_ratio:.2f}",
                ],
            ],  # fmt: skip
            notes=[
                "every post is a new review (fresh idempotency key): row lock, FSRS, log insert,"
                " day roll-up, due count and lesson progress in the fragment",
            ],
        ),
        Table(
            title="Learner dashboard: 200 vs 20,000 reviews (gunicorn, 2 sync workers, 4 clients)",
            columns=[
                "learner",
                "reviews",
                "queries",
                "requests/s",
                "p50 ms",
                "p99 ms",
                "time ratio",
            ],
            rows=[
                [
                    "small",
                    f"{reviews['small']:,}",
                    str(queries["small"]),
                    f"{rps['small']:.0f}",
                    f"{p50['small']:.1f}",
                    f"{p99['small']:.1f}",
                    "1.00",
                ],
                [
                    "large",
                    f"{reviews['large']:,}",
                    str(queries["large"]),
                    f"{rps['large']:.0f}",
                    f"{p50['large']:.1f}",
                    f"{p99['large']:.1f}",
                    f"{time_ratio:.2f}",
                ],
            ],  # fmt: skip
            goal="large dashboard p50 <= 2 x small, same number of queries",
            goal_met=time_ratio <= 2.0 and queries["small"] == queries["large"],
        ),
    ]
