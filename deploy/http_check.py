"""`python deploy/http_check.py [PATH]`: exit 0 when the web process on this host answers PATH
(default /healthz) with 200, else 1. For container health checks (deploy/compose.yaml).

It asks as the load balancer would: to the address gunicorn listens on (BIND, else
127.0.0.1:$PORT), with the site's own host name (the first of ALLOWED_HOSTS, which Django
checks) and `X-Forwarded-Proto: https` (so the https redirect does not answer instead). No
Django import: it must stay cheap and tell the truth about the server, not about itself.
"""

from __future__ import annotations

import http.client
import os
import sys

TIMEOUT_SECONDS = 4.0


def target() -> tuple[str, int]:
    bind = (os.environ.get("BIND") or "").split(",")[0].strip()
    if not bind:
        return "127.0.0.1", int(os.environ.get("PORT") or 8000)
    if bind.startswith("unix:"):
        raise SystemExit("http_check: BIND is a unix socket; check through the load balancer")
    host, _, port = bind.rpartition(":")
    host = host.strip("[]")
    if host in {"", "0.0.0.0", "::"}:  # listening everywhere: ask on loopback
        host = "127.0.0.1" if host != "::" else "::1"
    return host, int(port)


def site_host() -> str:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = hosts[0] if hosts else "localhost"
    return "localhost" if host in {"*", "."} else host.lstrip(".")


def check(path: str) -> tuple[int, str]:
    host, port = target()
    connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("GET", path, headers={"Host": site_host(), "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        return response.status, response.read(2000).decode(errors="replace")
    finally:
        connection.close()


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/healthz"
    try:
        status, body = check(path)
    except OSError as exc:
        print(f"http_check: {path}: {exc}", file=sys.stderr)
        return 1
    print(f"http_check: {path}: {status} {body[:500]}")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
