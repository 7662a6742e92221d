import pytest

from tests.factories import ExerciseFactory


@pytest.fixture
def exercise(db):
    return ExerciseFactory(language="javascript")


@pytest.fixture
def py_exercise(db):
    return ExerciseFactory(language="python")


@pytest.fixture
def published(monkeypatch):
    """Record grading tasks instead of sending them to a broker: a list of submission ids."""
    from apps.exercises.tasks import grade_submission

    sent: list[int] = []
    monkeypatch.setattr(
        grade_submission, "publish", lambda submission_id: sent.append(submission_id)
    )
    return sent


@pytest.fixture
def broker_down(monkeypatch):
    from apps.exercises.tasks import grade_submission

    def refuse(submission_id):
        raise ConnectionRefusedError("broker down (test)")

    monkeypatch.setattr(grade_submission, "publish", refuse)
