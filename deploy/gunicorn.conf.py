"""gunicorn for the portal in production: `gunicorn -c deploy/gunicorn.conf.py` from the checkout.

Every value has a production default and an environment variable to change it (the table is in
docs/deploy.md, "gunicorn"; deploy/portal.env.example lists them all):

- BIND (default 127.0.0.1:$PORT, PORT 8000): where to listen, comma-separated;
  `unix:/run/portal/web.sock` works too.
- WEB_CONCURRENCY (2 x cores + 1, at most 8) worker processes, WEB_THREADS (2) threads each.
- GUNICORN_TIMEOUT (30 s of silence before a worker is replaced), GUNICORN_GRACEFUL_TIMEOUT
  (30 s for requests in flight on a restart), GUNICORN_KEEPALIVE (75 s, more than the LB's).
- GUNICORN_MAX_REQUESTS (2000) and GUNICORN_MAX_REQUESTS_JITTER (200): recycle workers.
- GUNICORN_ACCESS_LOG (off): gunicorn's own access lines; the app already logs each request.
- FORWARDED_ALLOW_IPS (127.0.0.1,::1): the proxies whose X-Forwarded-Proto is believed.
- GUNICORN_CONTROL_SOCKET (off): a path for gunicorn's control socket (`gunicornc`).
- LOG_LEVEL (INFO): gunicorn's own messages, like the app's.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (cpusets included)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


MAX_DEFAULT_WORKERS = 8

wsgi_app = "portal.wsgi:application"
proc_name = "portal-web"

bind = [
    address.strip()
    for address in (os.environ.get("BIND") or f"127.0.0.1:{_int('PORT', 8000)}").split(",")
    if address.strip()
]

# Processes for CPU (the GIL), a few threads each so a slow client or a slow query does not hold
# a whole process. Every thread may hold a database connection (CONN_MAX_AGE): a web host opens
# up to workers x threads connections to PostgreSQL (docs/deploy.md, "Sizing").
workers = _int("WEB_CONCURRENCY", min(2 * _cores() + 1, MAX_DEFAULT_WORKERS))
worker_class = "gthread"
threads = _int("WEB_THREADS", 2)

timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Longer than the load balancer's idle timeout for upstream connections (60 s in
# deploy/Caddyfile), so the LB, not gunicorn, closes an idle connection: otherwise a request
# sent on a connection gunicorn is closing at that moment fails.
keepalive = _int("GUNICORN_KEEPALIVE", 75)

# Replace workers now and then: bounds slow leaks and the per-process cache's growth.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# The heartbeat file is touched constantly: keep it in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# The application logs every request itself (with its request id); gunicorn's access lines
# would only repeat them. Errors and gunicorn's own messages go to stderr.
access_log_on = os.environ.get("GUNICORN_ACCESS_LOG", "").strip().lower() in {"1", "true", "yes"}
accesslog = "-" if access_log_on else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# X-Forwarded-Proto: https from these addresses makes request.is_secure() true (secure cookies,
# HSTS, no redirect loop). Only the load balancer may be trusted: list its address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Nothing else from those proxies is taken as WSGI variables: by default gunicorn would map
# client-sent SCRIPT_NAME / PATH_INFO headers that the proxy passed through, changing every URL
# the app builds (and caches).
forwarder_headers = ""

# gunicorn >= 25 opens a control socket under $HOME by default; two servers for one user would
# fight over it. Off unless a path is given (systemd: /run/portal/gunicorn.ctl).
control_socket_path = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if control_socket_path:
    control_socket = control_socket_path
else:
    control_socket_disable = True

# Each worker imports the application itself (no preload): `kill -HUP` (systemctl reload) then
# starts workers on the new code and retires the old ones gracefully.
preload_app = False
