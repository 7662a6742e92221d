"""Fault tests: the grading stack (a real Redis, `celery worker` and `celery beat`, the session
`grading_stack` fixture) under faults: a worker killed mid-burst, Redis restarted, a full disk,
the database locked. Each one checks what a learner would notice: no submission lost, no 500
page, and recovery without anybody stepping in. Marked `integration` and `sandbox`."""

from pathlib import Path

import pytest
from django.test import Client

from tests.factories import UserFactory


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent.name == "faults":
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.sandbox)


@pytest.fixture
def learners(transactional_db, password):
    """learners(n) -> [(user, logged-in test client)], as many people at their own browsers."""
    made = []

    def make(count: int):
        start = len(made)
        for index in range(start, start + count):
            user = UserFactory(username=f"learner{index}", password=password)
            client = Client()
            client.force_login(user)
            made.append((user, client))
        return made[start:]

    return make
