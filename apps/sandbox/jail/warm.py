"""The jail built ahead. A worker process keeps one jail ready for the next run of the same shape
(language, command line, limits): bubblewrap has built the namespaces, the read-only root and the
private /tmp, the rlimits and the slot's uid are already applied (exactly as for a cold run), and
bubblewrap waits on a pipe right before it loads the seccomp filter and executes the program.
Nothing of a learner's is in it until spawn.release() writes the files into the bound /box
directory and sends the byte. The setup then happens while the worker is otherwise idle
(recording the previous verdict, waiting for the next message) instead of in front of the
learner's run. Same CPU, less latency.

`warm_jail` is this process's one WarmJail; off until start() is called (a one-shot command or a
test has no next run to prepare)."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import select
import signal
import threading
import time
from dataclasses import dataclass

from .. import slots
from ..paths import is_root
from ..results import SandboxUnavailable
from .boxes import fill_box, prune_boxes, remove_box
from .job import Job
from .spawn import Spawned, spawn
from .supervise import Status, kill

logger = logging.getLogger("apps.sandbox")

# What a jail built ahead fits: language, command line, limits, results channel, and whether
# it runs under a slot's uid.
ShapeKey = tuple[object, ...]


def _shape_key(job: Job) -> ShapeKey:
    return (job.runtime.language, tuple(job.argv), job.limits, job.results_channel, is_root())


@dataclass(slots=True)
class Standby:
    """A jail built ahead and waiting: its bubblewrap, its slot, the shape it was built for."""

    key: ShapeKey
    spawned: Spawned
    slot: slots.Slot | None

    def tear_down(self) -> None:
        """Kill and reap the waiting bubblewrap, remove its box, give its slot back."""
        spawned = self.spawned
        kill(spawned.process)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(spawned.process.pid, 0)
        spawned.process.returncode = -signal.SIGKILL  # reaped here, not by Popen
        spawned.close()
        remove_box(spawned.box)
        if self.slot is not None:
            slots.give_back(self.slot, sweep=True)


class WarmJail:
    """At most one jail built ahead, for the shape of the last run. One per process: a forked
    child starts with none (the parent's stays the parent's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._on = False
        self._build_after_each_run = True
        self._next_shape: Job | None = None  # the last run's shape, waiting for build_next()
        self.standby: Standby | None = None
        self.runs_built_ahead = 0  # how many runs of this process used a jail built ahead
        os.register_at_fork(after_in_child=self._reset_in_child)

    @property
    def standby_pid(self) -> int | None:
        """The pid of the bubblewrap waiting in this process's jail built ahead, if any."""
        standby = self.standby
        return standby.spawned.process.pid if standby is not None else None

    def start(self, *, build_after_each_run: bool = True) -> None:
        """Keep one jail built ahead from now on. It is built for the shape of the last run,
        right after it; with `build_after_each_run=False` only when build_next() is called (a
        worker calls it once the verdict is recorded, so building never delays a result)."""
        if self._on and build_after_each_run == self._build_after_each_run:
            return
        with self._lock:
            first = not self._on
            self._on = True
            self._build_after_each_run = build_after_each_run
        if first:
            prune_boxes()

    def stop(self) -> None:
        """Stop keeping a jail built ahead, and tear down the one waiting."""
        with self._lock:
            self._on = False
            self._build_after_each_run = True
            standby, self.standby = self.standby, None
            self._next_shape = None
        if standby is not None:
            standby.tear_down()

    def build_next(self) -> None:
        """Build the next jail now, for the shape of the last run (see start())."""
        job, self._next_shape = self._next_shape, None
        if job is not None:
            self._build(job, await_reported=True)

    def take(self, job: Job) -> tuple[Standby | None, Standby | None]:
        """(the jail built ahead, its /box filled with `job`'s files; one that does not fit, or
        could not take the files, for the caller to tear down after the run)."""
        if not self._on:
            return None, None
        with self._lock:
            standby, self.standby = self.standby, None
        if standby is None:
            return None, None
        if standby.key != _shape_key(job) or not _waiting(standby.spawned.process.pid):
            logger.debug("the jail built ahead does not fit this run (or died): building one")
            return None, standby
        logger.debug("running in the jail built ahead (bwrap pid %s)", standby.spawned.process.pid)
        assert standby.spawned.box is not None  # every jail built ahead has one
        if not fill_box(standby.spawned.box, job.files):
            return None, standby
        self.runs_built_ahead += 1
        return standby, None

    def after_run(self, job: Job) -> None:
        """`job` ran (the jail worked): build the next jail for its shape now, or remember the
        shape (never the learner's files or stdin) for build_next()."""
        if self._build_after_each_run:
            self._build(job)
        else:
            self._next_shape = dataclasses.replace(job, files={}, stdin=b"")

    def _build(self, job: Job, *, await_reported: bool = False) -> None:
        with self._lock:
            if self.standby is not None or not self._on:
                return
            slot = None
            try:
                if is_root():
                    slot = slots.acquire(timeout=0)  # never wait for a slot just to prepare
                spawned = spawn(job, slot, ahead=True)
                if await_reported:  # build_next(): off the learner's path, so worth the wait
                    _await_sandbox_process(spawned)
            except (SandboxUnavailable, OSError) as exc:
                logger.info("no jail built ahead: %s", exc)
                if slot is not None:
                    slot.release()
                return
            self.standby = Standby(_shape_key(job), spawned, slot)

    def _reset_in_child(self) -> None:
        self._on = False
        self._next_shape = None
        self.standby = None
        self._lock = threading.Lock()


warm_jail = WarmJail()


def _await_sandbox_process(spawned: Spawned, timeout: float = 10.0) -> None:
    """Wait until bubblewrap's sandbox process has been let go on by its monitor. Until then it
    waits on an eventfd with no death signal set, and a worker killed in that moment (together
    with the monitor, by its death signal) would leave it waiting forever. The monitor reports
    the process (`child-pid`) just before it lets it go, and writing that line can hand the CPU
    to this worker before the monitor's next step: so wait until the process has closed that
    eventfd, its own first step once let go (seen in /proc/PID/fd). Off the learner's path."""
    deadline = time.monotonic() + timeout
    while Status.parse(spawned.status_seen).child_pid is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([spawned.status_r], [], [], remaining)[0]:
            return
        chunk = os.read(spawned.status_r, 4096)
        if not chunk:
            return
        spawned.status_seen += chunk
    pid = Status.parse(spawned.status_seen).child_pid
    while time.monotonic() < deadline:
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
            waiting = False
            for fd in descriptors:
                with contextlib.suppress(OSError):
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                    waiting = waiting or target == "anon_inode:[eventfd]"
        except OSError:
            return  # gone: nothing left to wait for
        if not waiting:
            return
        time.sleep(0.0005)


def _waiting(pid: int) -> bool:
    """Still alive (not exited: a jail that failed to build, or was killed, is not used)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
    except ChildProcessError:
        return False
