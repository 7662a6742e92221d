"""Fixtures shared by the whole suite."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from apps.content.services import content_import
from tests.factories import PASSWORD, UserFactory

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (the database is fresh too, generations restart)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def course(db):
    """The real course from content/, imported into the test database."""
    content_import(root=Path(settings.CONTENT_DIR))


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def learner(db, password):
    return UserFactory(username="ada", password=password, display_name="Ada")


@pytest.fixture
def other_learner(db, password):
    return UserFactory(username="grace", password=password, display_name="Grace")


@pytest.fixture(scope="session")
def grading_stack(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real Redis (embedded, or REDIS_URL), a real `celery worker` (queues sandbox and celery,
    concurrency 2) and `celery beat` on pytest-django's test database: started once per session
    for the integration and browser tests, stopped before the test database is dropped."""
    from django.db import connection

    from tests.integration.stack import GradingStack

    stack = GradingStack.shared(
        tmp_path_factory.mktemp("grading-stack"), db_name=connection.settings_dict["NAME"]
    )
    yield stack
    GradingStack.shutdown()


@pytest.fixture
def nothing_left_in_flight(transactional_db):
    """Leave no grading running into the next test's database flush (tests that submit to the
    grading_stack's worker)."""
    from apps.exercises.models import ExampleRun, Submission
    from tests.integration.stack import wait_for

    yield
    wait_for(
        lambda: (
            not (Submission.objects.in_flight().exists() or ExampleRun.objects.in_flight().exists())
        ),
        timeout=90,  # the stack's sweep gives up on a running claim after 12 s; runs take seconds
        what="every submission to reach a final state",
    )


# The study app reads time through apps.core.clock.now: tests move it by hand.
class Clock:
    """The study app's clock, under the test's control."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> datetime:
        self.current = moment.astimezone(UTC)
        return self.current

    def advance(self, **delta) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    monkeypatch.setattr("apps.core.clock.now", fake)
    return fake
