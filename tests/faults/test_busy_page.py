"""The busy page outside views: an error raised after the view (a session saved by middleware,
say) reaches the 500 handler, which answers a transient database error with the 503 page too."""

import pytest
from django.db import OperationalError

from apps.core.views import server_error


def handled(request, exc: Exception):
    try:
        raise exc
    except Exception:  # the handler runs inside Django's except block, as here
        return server_error(request)


@pytest.mark.parametrize(
    "message",
    [
        "database is locked",
        "canceling statement due to lock timeout",
        "could not connect to server",
    ],
)
def test_a_transient_database_error_is_the_busy_page_with_503(rf, message):
    response = handled(rf.get("/study/"), OperationalError(message))
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "The portal is busy right now" in response.content.decode()


def test_any_other_error_is_still_the_500_page(rf):
    for exc in (
        OperationalError("no such table: study_reviewlog"),
        ValueError("database is locked"),
    ):
        response = handled(rf.get("/study/"), exc)
        assert response.status_code == 500
        assert "Something went wrong on our side" in response.content.decode()
