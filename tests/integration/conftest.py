"""Session fixtures for the integration tests: a real Redis, a real `celery worker` (queues
sandbox and celery, concurrency 2) and `celery beat`, on pytest-django's test database."""

from pathlib import Path

import pytest

from tests.integration.stack import GradingStack


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent.name == "integration":
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.sandbox)


@pytest.fixture(scope="session")
def grading_stack(django_db_setup, django_db_blocker, tmp_path_factory):
    """Started once; stopped before pytest-django drops the test database."""
    from django.db import connection

    stack = GradingStack.shared(
        tmp_path_factory.mktemp("grading-stack"), db_name=connection.settings_dict["NAME"]
    )
    yield stack
    GradingStack.shutdown()
