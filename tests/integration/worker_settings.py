"""Settings for the Celery worker and beat that the integration tests start: the test settings,
on pytest-django's test database and the test session's broker (see tests/integration/stack.py)."""

import os

from portal.settings_test import *  # noqa: F403
from portal.settings_test import CELERY_BROKER_TRANSPORT_OPTIONS, DATABASES

DATABASES["default"]["NAME"] = os.environ["PORTAL_TEST_DB_NAME"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
CELERY_BROKER_URL = os.environ["PORTAL_TEST_BROKER_URL"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": os.environ["PORTAL_TEST_KEYPREFIX"],
}
# Each test sets up and flushes its own rows; a worker that started recording fingerprints in
# the background would race those flushes (a deadlock on PostgreSQL).
EXERCISE_FINGERPRINTS_ON_START = False
