"""Test settings: the real settings, with fast password hashing and a file-backed SQLite
test database (so a real Celery worker started by the suite can see committed rows)."""

import os

os.environ.setdefault("DEBUG", "1")

from portal.settings import *  # noqa: E402,F403
from portal.settings import DATABASES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Rate-limit counters in the per-test, cleared memory cache, never in a Redis other runs share.
RATE_LIMIT_CACHE = "default"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One file per test run (its worker and server subprocesses inherit the name through the
    # environment), so two runs on one checkout never write to the same database file.
    TEST_DB_NAME = os.environ.setdefault(
        "PORTAL_TEST_DB", str(VAR_DIR / f"test-{os.getpid()}.sqlite3")
    )
    DATABASES["default"]["TEST"] = {"NAME": TEST_DB_NAME}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files from their source folders, no collectstatic needed for tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
