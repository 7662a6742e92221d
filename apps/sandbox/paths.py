"""The sandbox's state directory, and copies of runtimes the jail uids can reach.

bubblewrap resolves every bind source to a path (even for `--ro-bind-fd`, it calls realpath() on
/proc/self/fd/N) *after* the worker has dropped to the slot's uid, so a runtime under a directory
that uid cannot traverse (the pyenv Python under /root, mode 700) cannot be bound in place. Such
runtimes are staged once, hard-linked (or copied) into `<state>/runtimes/<name>-<key>/`, a
root-owned, world-traversable, read-only tree. The key changes whenever the source changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable

from .results import SandboxUnavailable

STATE_DIR_ENV = "PORTAL_SANDBOX_STATE_DIR"


def is_root() -> bool:
    return os.geteuid() == 0


def _candidate_state_dirs() -> list[str]:
    configured = os.environ.get(STATE_DIR_ENV)
    if configured:
        return [configured]
    tmp = os.path.join(tempfile.gettempdir(), f"portal-sandbox-{os.geteuid()}")
    if is_root():
        return ["/var/lib/portal-sandbox", "/run/portal-sandbox", tmp]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return [os.path.join(cache, "portal-sandbox"), tmp]


def ensure_private_dir(path: str, mode: int) -> str:
    """Create `path` (mode `mode`) or check that it is ours: a real directory owned by this uid and
    writable by nobody else. Anything else (a symlink, another owner) is refused, since a planted
    directory would let someone else choose what the jail runs."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, mode)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise SandboxUnavailable(f"{path} exists and is not a directory")
    if info.st_uid != os.geteuid():
        raise SandboxUnavailable(f"{path} is owned by uid {info.st_uid}, not by this worker")
    if stat.S_IMODE(info.st_mode) != mode:
        os.chmod(path, mode)
    return path


_STATE_DIR: str | None = None


def state_dir() -> str:
    global _STATE_DIR
    if _STATE_DIR is not None:
        return _STATE_DIR
    problems = []
    for candidate in _candidate_state_dirs():
        try:
            os.makedirs(os.path.dirname(candidate), exist_ok=True)
            _STATE_DIR = ensure_private_dir(candidate, 0o755)
            return _STATE_DIR
        except (OSError, SandboxUnavailable) as exc:
            problems.append(f"{candidate}: {exc}")
    raise SandboxUnavailable("no usable sandbox state directory (" + "; ".join(problems) + ")")


def reachable_by_others(path: str) -> bool:
    """Whether a uid that is neither owner nor group of anything on the way (a jail uid) can reach
    `path`: every directory above it searchable by others, the target readable (and, for a
    directory, searchable) by others."""
    path = os.path.abspath(path)
    parts = path.split(os.sep)
    for depth in range(1, len(parts)):
        directory = os.sep.join(parts[:depth]) or os.sep
        try:
            info = os.stat(directory)
        except OSError:
            return False
        if not info.st_mode & stat.S_IXOTH:
            return False
    try:
        info = os.stat(path)
    except OSError:
        return False
    needed = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(info.st_mode) else 0)
    return info.st_mode & needed == needed


def reachable_by_jail(path: str) -> bool:
    if is_root():
        return reachable_by_others(path)
    return os.access(path, os.R_OK)


def _fingerprint(paths: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        info = os.stat(path)
        digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ino}\0".encode())
    return digest.hexdigest()[:16]


def _link_or_copy(source: str, target: str) -> None:
    mode = stat.S_IMODE(os.stat(source).st_mode)
    if mode & stat.S_IROTH:
        try:
            os.link(source, target)
            return
        except OSError:
            pass  # another filesystem, or protected_hardlinks: copy instead
    shutil.copy2(source, target)
    os.chmod(target, (mode & 0o755) | 0o444)


def _copy_tree(source: str, target: str, skip: frozenset[str]) -> None:
    os.mkdir(target, 0o755)
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.name in skip or entry.name.startswith("config-"):
                continue
            destination = os.path.join(target, entry.name)
            if entry.is_symlink():
                os.symlink(os.readlink(entry.path), destination)
            elif entry.is_dir():
                _copy_tree(entry.path, destination, skip)
            elif entry.is_file():
                _link_or_copy(entry.path, destination)


def stage(name: str, items: list[tuple[str, str]], skip: frozenset[str] = frozenset()) -> str:
    """Copy `items` ((host path, name inside the stage) pairs; files or directory trees, minus
    entries named in `skip`) into a fresh read-only stage, once; return the stage directory.

    Stages are immutable and named by a fingerprint of their sources, so a concurrent worker either
    finds a complete stage or builds its own and loses the final rename harmlessly. A disk that
    is full or read-only makes the jail unavailable, with the reason."""
    try:
        return _stage(name, items, skip)
    except OSError as exc:
        raise SandboxUnavailable(f"cannot stage {name} for the jail: {exc}") from exc


def _stage(name: str, items: list[tuple[str, str]], skip: frozenset[str]) -> str:
    runtimes = ensure_private_dir(os.path.join(state_dir(), "runtimes"), 0o755)
    final = os.path.join(runtimes, f"{name}-{_fingerprint(source for source, _ in items)}")
    if os.path.isdir(final):
        return final
    building = tempfile.mkdtemp(prefix=f".{name}-", dir=runtimes)
    try:
        os.chmod(building, 0o755)
        for source, inside in items:
            destination = os.path.join(building, inside)
            os.makedirs(os.path.dirname(destination), mode=0o755, exist_ok=True)
            if os.path.isdir(source):
                _copy_tree(source, destination, skip)
            else:
                _link_or_copy(source, destination)
        try:
            os.rename(building, final)
        except OSError:
            if not os.path.isdir(final):
                raise
    finally:
        if os.path.exists(building):
            shutil.rmtree(building, ignore_errors=True)
    return final
