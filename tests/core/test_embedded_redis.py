"""`make run` starts the embedded redis-server (Procfile: python -m apps.core.embedded_redis)
and the web and worker processes connect to settings.EMBEDDED_REDIS_SOCKET: both must name the
same socket, or the portal starts with a broker nobody can reach."""

from django.conf import settings

from apps.core import embedded_redis


def test_the_embedded_redis_listens_where_the_portal_looks_by_default(monkeypatch):
    monkeypatch.delenv("PORTAL_VAR_DIR", raising=False)
    socket = embedded_redis.var_dir() / "redis" / "redis.sock"
    assert socket == settings.BASE_DIR / "var" / "redis" / "redis.sock"


def test_the_embedded_redis_follows_portal_var_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_VAR_DIR", str(tmp_path))
    assert embedded_redis.var_dir() / "redis" / "redis.sock" == tmp_path / "redis" / "redis.sock"


def test_the_settings_socket_is_under_the_var_dir_the_embedded_redis_uses():
    assert settings.EMBEDDED_REDIS_SOCKET == settings.VAR_DIR / "redis" / "redis.sock"
