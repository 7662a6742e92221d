"""Demo and benchmark data: a cohort of generated learners with a realistic history.

Each learner gets a temperament (how diligent, how good at recalling), meets the course's cards
in order over the period, and reviews each card when FSRS schedules it (a little late, more so
for the less diligent), so the logs, card states and daily roll-ups are what the real services
would have written. Some learners stop studying a while before today and pile up overdue
reviews. Exercise runs pass and fail: failing runs submit one of the exercise's own wrong
solutions, and fail the hidden tests those mistakes typically trip.

Everything is written with bulk_create in one transaction, in batches, so 1,000 learners with
200 cards each take a minute or two rather than an hour. Learners get unusable passwords.
"""

from __future__ import annotations

import contextlib
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from fsrs import Rating

from apps.cohorts import services
from apps.cohorts.models import Cohort, Membership
from apps.content.models import Card, Exercise
from apps.core import clock
from apps.exercises.models import HintReveal, Submission, TestResult
from apps.study import scheduling
from apps.study.models import CardState, ReviewDay, ReviewLog, StudyPlan

User = get_user_model()

DEMO_COHORT = "Demo cohort"
BATCH = 5000
ZONES = ("Europe/Paris", "Europe/London", "America/New_York", "Asia/Kolkata", "UTC")
FIRST = ("Ada", "Alan", "Barbara", "Claude", "Donald", "Edsger", "Frances", "Grace", "Hedy",
         "Ivan", "Joan", "Ken", "Linus", "Margaret", "Niklaus", "Radia", "Sophie", "Tim",
         "Tony", "Ursula", "Vint", "Whitfield", "Xiao", "Yukihiro", "Zhores", "Katherine",
         "Dennis", "Guido", "Anita", "Brian")  # fmt: skip
LAST = ("Lovelace", "Turing", "Liskov", "Shannon", "Knuth", "Dijkstra", "Allen", "Hopper",
        "Lamarr", "Sutherland", "Clarke", "Thompson", "Torvalds", "Hamilton", "Wirth",
        "Perlman", "Wilson", "Berners-Lee", "Hoare", "Franklin", "Cerf", "Diffie", "Chen",
        "Matsumoto", "Alferov", "Johnson", "Ritchie", "van Rossum", "Borg",
        "Kernighan")  # fmt: skip
TEST_NAME = re.compile(r"""(?:\btest|@test)\(\s*(['"`])(.+?)\1""")


@dataclass
class Temperament:
    diligence: float  # 0..1: how soon after a card is due it gets reviewed
    skill: float  # 0..1: how likely a recall succeeds
    started: datetime
    stopped: datetime  # last moment of study (before now for learners who drifted away)


@dataclass
class SeedSummary:
    cohort: Cohort
    learners: int
    reviews: int
    card_states: int
    submissions: int
    created: bool = True


def harness_test_names(source: str) -> list[str]:
    """Test names declared in a JavaScript or Python test file of the harness."""
    return [match.group(2) for match in TEST_NAME.finditer(source)]


@contextlib.contextmanager
def _keep_given_timestamps():
    """bulk_create runs pre_save, which would stamp auto_now_add fields with now."""
    fields = [Submission._meta.get_field("created_at")]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def _temperament(rng: random.Random, now: datetime, days: int) -> Temperament:
    started = now - timedelta(days=days * rng.uniform(0.75, 1.0), hours=rng.uniform(0, 12))
    drifted = rng.random() < 0.15
    stopped = now - timedelta(days=rng.uniform(3, min(14, days / 2))) if drifted else now
    return Temperament(
        diligence=rng.uniform(0.25, 1.0),
        skill=rng.betavariate(6, 2),
        started=started,
        stopped=max(stopped, started + timedelta(days=1)),
    )


def _rating(rng: random.Random, t: Temperament, recall: float) -> Rating:
    if rng.random() > recall:
        return Rating.Again
    roll = rng.random()
    if roll < 0.15 * (1.2 - t.skill):
        return Rating.Hard
    if roll > 1 - 0.25 * t.skill:
        return Rating.Easy
    return Rating.Good


def _delay(rng: random.Random, t: Temperament, interval: timedelta) -> timedelta:
    """How late a review happens: minutes for learning steps, then up to days."""
    if interval < timedelta(hours=6):
        return timedelta(minutes=rng.uniform(0, 15))
    lateness = rng.expovariate(1.0) * (1.2 - t.diligence) * min(interval.days + 1, 10) / 3
    return timedelta(days=lateness, hours=rng.uniform(0, 10))


class _Writer:
    """Buffers rows per model and flushes them with bulk_create in batches."""

    def __init__(self):
        self.buffers: dict[type, list] = {}
        self.counts: Counter = Counter()

    def add(self, row) -> None:
        buffer = self.buffers.setdefault(type(row), [])
        buffer.append(row)
        if len(buffer) >= BATCH:
            self.flush(type(row))

    def flush(self, model=None) -> None:
        for kind in [model] if model else list(self.buffers):
            rows = self.buffers.get(kind) or []
            if rows:
                kind.objects.bulk_create(rows, batch_size=1000)
                self.counts[kind] += len(rows)
                self.buffers[kind] = []


def _study(
    *, writer: _Writer, user, cards: list[Card], t: Temperament, rng: random.Random, now
) -> None:
    sched = scheduling.scheduler()
    zone = ZoneInfo(user.time_zone)  # review days are the learner's calendar days
    days: Counter = Counter()
    again_days: Counter = Counter()
    span = (t.stopped - t.started).total_seconds()
    pace = 0.45 + 0.5 * t.diligence  # share of the period over which new cards arrive
    sequence = 0
    for index, card in enumerate(cards):
        moment = t.started + timedelta(
            seconds=span * pace * index / len(cards) + rng.uniform(0, 3600)
        )
        if moment > t.stopped:
            break
        fsrs_card = scheduling.fsrs_card_new(card_id=card.pk, now=moment)
        before = None
        reps = lapses = 0
        created = moment
        while moment <= t.stopped and reps < 20:
            if fsrs_card.stability is None:
                recall = 0.55 + 0.4 * t.skill
            else:
                recall = sched.get_card_retrievability(fsrs_card, current_datetime=moment)
                recall = min(0.99, recall * (0.75 + 0.25 * t.skill) + 0.05)
            rating = _rating(rng, t, recall)
            after, _ = sched.review_card(fsrs_card, rating, review_datetime=moment)
            state_after = after.to_dict()
            sequence += 1
            writer.add(
                ReviewLog(
                    user=user, card=card, rating=int(rating),
                    duration_ms=int(rng.lognormvariate(9.3, 0.5)),
                    source="review" if rng.random() < 0.85 else "lesson",
                    state_before=before, state_after=state_after, reviewed_at=moment,
                    idempotency_key=f"demo-{sequence:06d}",
                )
            )  # fmt: skip
            day = moment.astimezone(zone).date()
            days[day] += 1
            again_days[day] += rating == Rating.Again
            reps += 1
            lapses = scheduling.lapses_after(lapses=lapses, rating=int(rating))
            fsrs_card, before = after, state_after
            moment = after.due + _delay(rng, t, after.due - moment)
        writer.add(
            CardState(
                user=user, card=card, fsrs=before, state=int(fsrs_card.state),
                stability=fsrs_card.stability, difficulty=fsrs_card.difficulty,
                due=fsrs_card.due, last_review=fsrs_card.last_review, reps=reps,
                lapses=lapses, created_at=created,
            )
        )  # fmt: skip
    for day, count in days.items():
        writer.add(ReviewDay(user=user, day=day, reviews=count, again=again_days[day]))


@dataclass
class _ExerciseShape:
    exercise: Exercise
    examples: list[str]
    hidden: list[str]
    weights: list[float]  # how often each hidden test catches a mistake
    file: str
    example_file: str


def _exercise_shapes(rng: random.Random) -> list[_ExerciseShape]:
    shapes = []
    for exercise in Exercise.objects.live().order_by("order", "slug"):
        hidden = harness_test_names(exercise.hidden_tests) or ["hidden test"]
        shapes.append(
            _ExerciseShape(
                exercise=exercise,
                examples=harness_test_names(exercise.example_tests),
                hidden=hidden,
                weights=[rng.betavariate(1.2, 3) for _ in hidden],
                file=f"tests.{exercise.extension}",
                example_file=f"example_test.{exercise.extension}",
            )
        )
    return shapes


def _hints_taken(exercise: Exercise, t: Temperament, help_rng: random.Random) -> int:
    """How many hints a learner of this skill takes on an exercise (before their first run)."""
    if not exercise.hints or help_rng.random() < 0.3 + 0.6 * t.skill:
        return 0
    return help_rng.randint(1, len(exercise.hints))


def _practise(
    *,
    writer: _Writer,
    user,
    shapes: list[_ExerciseShape],
    t: Temperament,
    rng,
    help_rng,
    results: list,
) -> None:
    for shape in shapes:
        if rng.random() > 0.35 + 0.6 * t.diligence:
            continue
        # (name, code): a failed run is one of the exercise's own wrong solutions, so it is
        # named as that known mistake, as a real run of that code would be.
        wrong = list(shape.exercise.wrong_solutions.items()) or [("", shape.exercise.starter_code)]
        hints_taken = _hints_taken(shape.exercise, t, help_rng)
        for rung in range(1, hints_taken + 1):
            writer.add(
                HintReveal(user=user, exercise=shape.exercise, rung=rung, kind=HintReveal.Kind.HINT)
            )
        fails_before_pass = min(int(rng.expovariate(0.3 + 0.9 * t.skill)), 9)
        gives_up = rng.random() > 0.55 + 0.4 * t.skill
        runs = fails_before_pass + (0 if gives_up else 1)
        span = (t.stopped - t.started).total_seconds()
        moment = t.started + timedelta(seconds=rng.uniform(0.1, 0.9) * span)
        for attempt in range(max(runs, 1)):
            passed = attempt == fails_before_pass and not gives_up
            moment = min(moment + timedelta(minutes=rng.uniform(2, 40)), t.stopped)
            failing = set()
            if not passed:
                failing = {
                    i for i, weight in enumerate(shape.weights) if rng.random() < weight + 0.05
                } or {rng.randrange(len(shape.hidden))}
            total = len(shape.examples) + len(shape.hidden)
            passed_count = total - len(failing)
            message = "All tests passed." if passed else f"{passed_count} of {total} tests passed."
            mistake, code = ("", shape.exercise.solution_code) if passed else rng.choice(wrong)
            submission = Submission(
                user=user, exercise=shape.exercise, code=code, mistake=mistake,
                state=Submission.State.PASSED if passed else Submission.State.FAILED,
                message=message,
                verdict="ok", wall_ms=rng.randint(300, 2500), cpu_ms=rng.randint(150, 900),
                attempts=1, review=Submission.Review.RECORDED, created_at=moment,
                enqueued_at=moment, started_at=moment + timedelta(seconds=1),
                finished_at=moment + timedelta(seconds=3),
            )  # fmt: skip
            writer.add(submission)
            results.append((submission, shape, failing))


def _write_results(results: list) -> int:
    rows = []
    for submission, shape, failing in results:
        position = 0
        for name in shape.examples:
            rows.append(
                TestResult(submission_id=submission.pk, position=position, name=name,
                           status="pass", file=shape.example_file, is_example=True)
            )  # fmt: skip
            position += 1
        for index, name in enumerate(shape.hidden):
            failed = index in failing
            rows.append(
                TestResult(
                    submission_id=submission.pk, position=position, name=name,
                    status="fail" if failed else "pass",
                    message="AssertionError: the result did not match what was expected"
                    if failed else "",
                    file=shape.file,
                )
            )  # fmt: skip
            position += 1
    for start in range(0, len(rows), BATCH):
        TestResult.objects.bulk_create(rows[start : start + BATCH], batch_size=1000)
    return len(rows)


def _names(rng: random.Random, count: int) -> Iterator[str]:
    for _ in range(count):
        yield f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def demo_cohort_seed(
    *,
    instructor,
    learners: int,
    days: int,
    name: str = DEMO_COHORT,
    cards: int | None = None,
    username_prefix: str = "demo",
    seed: int = 1,
    now: datetime | None = None,
) -> SeedSummary:
    """Create cohort `name` for `instructor` with `learners` generated learners and `days` of
    history over the first `cards` live cards (all by default). Does nothing when the instructor
    already has a cohort of that name (returns it with created=False)."""
    existing = Cohort.objects.filter(instructor=instructor, name=name).first()
    if existing is not None:
        return SeedSummary(existing, existing.memberships.count(), 0, 0, 0, created=False)
    now = (now or clock.now()).astimezone(UTC)
    rng = random.Random(seed)
    help_rng = random.Random(seed + 1)  # hints: their own stream, the history stays as it was
    course = list(
        Card.objects.filter(is_retired=False, lesson__is_retired=False)
        .filter(lesson__track__is_retired=False)
        .order_by("lesson__track__order", "lesson__order", "order", "slug")
    )
    if cards is not None:
        course = course[:cards]
    if not course:
        raise ValueError("no cards: import the course first (manage.py import_content)")
    with transaction.atomic():
        cohort = services.cohort_create(
            instructor=instructor,
            name=name,
            interview_date=(now + timedelta(days=max(14, days // 2))).date(),
        )
        tag = f"{username_prefix}-{cohort.pk}"
        password = make_password(None)  # unusable, shared: hashing once per learner is slow
        users = User.objects.bulk_create(
            User(
                username=f"{tag}-{number:05d}",
                display_name=display,
                password=password,
                time_zone=rng.choice(ZONES),
                date_joined=now - timedelta(days=days),
            )
            for number, display in enumerate(_names(rng, learners), start=1)
        )
        if not all(user.pk for user in users):  # backends without RETURNING ids
            users = list(User.objects.filter(username__startswith=f"{tag}-").order_by("username"))
        Membership.objects.bulk_create(
            Membership(cohort=cohort, user=user, joined_at=user.date_joined) for user in users
        )
        StudyPlan.objects.bulk_create(StudyPlan(user=user) for user in users)
        writer = _Writer()
        shapes = _exercise_shapes(rng)
        results: list = []
        with _keep_given_timestamps():
            for user in users:
                temperament = _temperament(rng, now, days)
                _study(writer=writer, user=user, cards=course, t=temperament, rng=rng, now=now)
                _practise(
                    writer=writer, user=user, shapes=shapes, t=temperament, rng=rng,
                    help_rng=help_rng, results=results,
                )  # fmt: skip
            writer.flush()
        _write_results(results)
    return SeedSummary(
        cohort=cohort,
        learners=len(users),
        reviews=writer.counts[ReviewLog],
        card_states=writer.counts[CardState],
        submissions=writer.counts[Submission],
    )


def demo_cohort_delete(*, instructor, name: str = DEMO_COHORT, username_prefix: str = "demo"):
    """Remove a generated cohort and its generated learners (with their history)."""
    cohort = Cohort.objects.filter(instructor=instructor, name=name).first()
    if cohort is None:
        return 0
    with transaction.atomic():
        generated = User.objects.filter(
            cohort_memberships__cohort=cohort,
            username__startswith=f"{username_prefix}-{cohort.pk}-",
        )
        ids = list(generated.values_list("pk", flat=True))
        TestResult.objects.filter(submission__user_id__in=ids).delete()
        Submission.objects.filter(user_id__in=ids).delete()
        User.objects.filter(pk__in=ids).delete()
        cohort.delete()
    return len(ids)


# Memory models for the demo (issue 16) -----------------------------------------------------


def demo_learner_history(
    *, user, cohort: Cohort | None = None, days: int = 90, seed: int = 2, now=None
) -> int:
    """Give the demo learner account `days` of reviews (diligent, and forgetting faster than
    FSRS's defaults assume, so their own fit has something to learn), enough for a fitted
    memory model, and make them a member of `cohort` (so its interview date drives their plan).
    Does nothing to the history when they already have reviews. Returns the reviews written."""
    now = (now or clock.now()).astimezone(UTC)
    if cohort is not None and not Membership.objects.filter(cohort=cohort, user=user).exists():
        Membership.objects.create(cohort=cohort, user=user, joined_at=now - timedelta(days=days))
    if ReviewLog.objects.filter(user=user).exists():
        return 0
    course = list(
        Card.objects.filter(is_retired=False, lesson__is_retired=False)
        .filter(lesson__track__is_retired=False)
        .order_by("lesson__track__order", "lesson__order", "order", "slug")
    )
    rng = random.Random(seed)
    temperament = Temperament(
        diligence=0.85, skill=0.6, started=now - timedelta(days=days), stopped=now
    )
    writer = _Writer()
    with transaction.atomic():
        StudyPlan.objects.get_or_create(user=user)
        _study(writer=writer, user=user, cards=course, t=temperament, rng=rng, now=now)
        writer.flush()
    return writer.counts[ReviewLog]


def demo_memory_fits(*, cohort: Cohort) -> tuple[bool, int, int]:
    """Fit the population's parameters, then each member's (what the nightly job does), so a
    newcomer sees fitted models right after `make run`. Returns (population adopted, members
    with their own adopted fit, members)."""
    from apps.study import fits

    population = fits.memory_fit_population()
    members = list(User.objects.filter(cohort_memberships__cohort=cohort))
    adopted = sum(fits.memory_fit_learner(user=user).adopted for user in members)
    return population.adopted, adopted, len(members)
