"""Integration tests: marked `integration` and `sandbox` (the `grading_stack` fixture they use,
a real Redis, worker and beat, lives in tests/conftest.py, shared with the browser tests)."""

from pathlib import Path

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent.name == "integration":
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.sandbox)
