"""One host uid per concurrent run, when the worker is root.

RLIMIT_NPROC counts tasks per uid, and a root worker's children would otherwise be host uid 0
(where the limit is not enforced at all). So each run takes a slot: an exclusive flock on
`<state>/slots/slot-N.lock`, held by the worker for the whole run, and runs as uid/gid
BASE + N. flock works across worker processes and hosts' containers sharing the directory, and
the kernel drops the lock if the worker dies, so a crashed worker never leaks a slot.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import os
import pwd
import random
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass

from .paths import ensure_private_dir, state_dir
from .results import SandboxUnavailable

logger = logging.getLogger("apps.sandbox")

SLOTS_ENV = "PORTAL_SANDBOX_SLOTS"
UID_BASE_ENV = "PORTAL_SANDBOX_UID_BASE"
DEFAULT_SLOTS = 32
DEFAULT_UID_BASE = 61000
ACQUIRE_TIMEOUT_SECONDS = 60.0


@dataclass(slots=True)
class Slot:
    index: int
    uid: int
    fd: int

    def release(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.pwrite(self.fd, _CLEAN, 0)
            os.close(self.fd)  # closing drops the flock
            self.fd = -1


@functools.cache
def slot_range() -> tuple[int, int]:
    """(first uid, number of slots), checked once: no account may own a uid in the range,
    because the jail would act as that account and cleanup kills that uid's processes."""
    try:
        count = int(os.environ.get(SLOTS_ENV, DEFAULT_SLOTS))
        base = int(os.environ.get(UID_BASE_ENV, DEFAULT_UID_BASE))
    except ValueError as exc:
        raise SandboxUnavailable(f"bad {SLOTS_ENV} or {UID_BASE_ENV}: {exc}") from exc
    if not 1 <= count <= 4096 or base < 1000 or base + count > 2**31 - 2:
        raise SandboxUnavailable(f"bad slot range: {count} slots from uid {base}")
    for uid in range(base, base + count):
        try:
            owner = pwd.getpwuid(uid).pw_name
        except KeyError:
            continue
        raise SandboxUnavailable(
            f"uid {uid} belongs to the account {owner!r}; set {UID_BASE_ENV} to a free range"
        )
    return base, count


def acquire(timeout: float = ACQUIRE_TIMEOUT_SECONDS) -> Slot:
    base, count = slot_range()
    try:
        directory = ensure_private_dir(os.path.join(state_dir(), "slots"), 0o700)
    except OSError as exc:  # a full or read-only disk: no run without its slot lock
        raise SandboxUnavailable(f"cannot use the sandbox slots directory: {exc}") from exc
    deadline = time.monotonic() + timeout
    start = random.randrange(count)
    while True:
        for step in range(count):
            index = (start + step) % count
            path = os.path.join(directory, f"slot-{index}.lock")
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
            except OSError as exc:
                raise SandboxUnavailable(f"cannot open the sandbox slot lock: {exc}") from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            slot = Slot(index, base + index, fd)
            _sweep_if_abandoned(slot)
            return slot
        if time.monotonic() >= deadline:
            raise SandboxUnavailable(f"all {count} sandbox slots stayed busy for {timeout:.0f} s")
        time.sleep(0.05)


# The first byte of a slot's lock file: written "1" when the slot is taken, "0" when it is given
# back. A "1" found when taking it means its last holder died holding it (a worker killed while
# a jail of its own was starting, say), so something may still run as its uid.
_HELD, _CLEAN = b"1", b"0"


def _sweep_if_abandoned(slot: Slot) -> None:
    try:
        abandoned = os.pread(slot.fd, 1, 0) == _HELD
        os.pwrite(slot.fd, _HELD, 0)
    except OSError:
        return
    if abandoned:
        kill_leftovers(slot.uid)


def proc_statuses() -> Iterator[tuple[int, str]]:
    """(pid, text of /proc/PID/status) for every process that still exists."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as handle:
                yield int(name), handle.read().decode("ascii", "replace")
        except OSError:
            continue


def processes_of_uid(uid: int) -> list[int]:
    """Live (non-zombie) processes whose real, effective, saved or filesystem uid is `uid`.
    Reads /proc/PID/status rather than the owner of /proc/PID, which a process can hide by
    making itself non-dumpable."""
    found = []
    wanted = str(uid)
    for pid, status in proc_statuses():
        uids: list[str] = []
        state = ""
        for line in status.splitlines():
            if line.startswith("Uid:"):
                uids = line.split()[1:]
            elif line.startswith("State:"):
                state = line.split()[1] if len(line.split()) > 1 else ""
        if wanted in uids and state not in ("Z", "X"):
            found.append(pid)
    return found


def kill_leftovers(uid: int, timeout: float = 3.0) -> list[int]:
    """Make sure nothing runs as `uid` any more: SIGKILL whatever is left, until nothing is
    (bounded). Returns the pids still alive at the end, normally none.

    After a normal exit nothing is left: the jail's pid namespace dies with its pid 1 before
    bubblewrap reports the exit. After a kill on a limit, the kernel may still be tearing the
    namespace down (a fork bomb has many processes) when this runs."""
    deadline = time.monotonic() + timeout
    while True:
        pids = processes_of_uid(uid)
        if not pids or time.monotonic() >= deadline:
            return pids
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


def give_back(slot: Slot, *, sweep: bool) -> None:
    """Release the slot after a run; with `sweep`, first make sure nothing runs as its uid any
    more."""
    survivors = kill_leftovers(slot.uid) if sweep else []
    if survivors:
        logger.error("sandbox uid %s: processes survived SIGKILL: %s", slot.uid, survivors)
    slot.release()
