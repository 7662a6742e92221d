import pytest

from tests.security.world import World, world_build


@pytest.fixture
def world(db, clock, monkeypatch) -> World:
    """Every kind of object, owned by people in every role (see world.py). Grading tasks are
    recorded, never sent: no broker or worker is needed."""
    from apps.exercises.tasks import grade_submission

    monkeypatch.setattr(grade_submission, "publish", lambda submission_id: None)
    return world_build()
