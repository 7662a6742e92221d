"""One run in the jail, start to end: execute(job).

The order of things for one run:

1. Take a slot (root only): an exclusive host uid for this run (slots.py).
2. Open every bind source with O_PATH, put every file of the submission and the seccomp program
   in memfds, create pipes for stdin, stdout, stderr and (for grading) the results channel
   (command.py, spawn.py).
3. Spawn (vfork + exec) the chain `prlimit` (sets the rlimits) -> `setpriv` (drops to the slot's
   uid and gid with no supplementary groups, sets a parent-death signal) -> bubblewrap, with an
   EMPTY environment. bubblewrap builds the namespaces and the read-only root and execs the
   runtime as pid 1 of the new pid namespace. (prlimit and setpriv are util-linux, present on
   every Linux; without them the worker falls back to a fork with a Python pre-exec hook, which
   is as safe and a few milliseconds slower per run.)
4. Supervise it to its end (supervise.py): output up to the caps, the wall time, the memory;
   then classify how it ended (verdict.py).
5. Reap bubblewrap with wait4 (its rusage covers the whole jail), SIGKILL anything still running
   as the slot's uid (normally nothing), release the slot.

A worker process can also keep the next jail built ahead (warm.py): steps 1-3 happen after the
previous run, bubblewrap waits before the seccomp filter and the program, and the run starts at
step 4 once the files are in the bound /box and one byte is sent.

There is no code path that runs the program without bubblewrap.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time

from .. import slots
from ..paths import is_root
from ..results import SANDBOX_ERROR, RunResult, SandboxUnavailable
from .boxes import remove_box
from .job import RESULTS_CAP, STATUS_CAP, Execution, Job
from .spawn import Spawned, release, spawn
from .supervise import Stream, kill, supervise
from .verdict import classify
from .warm import Standby, warm_jail

logger = logging.getLogger("apps.sandbox")


def execute(job: Job) -> Execution:
    """Run `job` in the jail. Never raises for problems with the jail itself: those come back as
    verdict `sandbox_error` with the reason in stderr."""
    started = time.monotonic()
    standby, unfit = warm_jail.take(job)
    slot = standby.slot if standby is not None else None
    # After a normal exit nothing of the jail is left (its pid namespace is torn down before
    # bwrap sees pid 1 exit), so the /proc scan is only needed when the jail was killed.
    sweep = True
    usable = False
    try:
        if standby is None and is_root():
            slot, unfit = _acquire_slot(unfit)
        execution = _run(job, slot, standby.spawned if standby is not None else None)
        sweep = execution.killed
        usable = execution.result.verdict != SANDBOX_ERROR
        return execution
    except SandboxUnavailable as exc:
        logger.warning("sandbox unavailable: %s", exc.reason)
        wall = int((time.monotonic() - started) * 1000)
        return Execution(RunResult.sandbox_error(exc.reason, wall_ms=wall))
    finally:
        if standby is not None:
            remove_box(standby.spawned.box)
        if slot is not None:
            slots.give_back(slot, sweep=sweep)
        # Cleaned up after the run, not in front of it.
        if unfit is not None:
            unfit.tear_down()
        if usable:
            warm_jail.after_run(job)


def _acquire_slot(unfit: Standby | None) -> tuple[slots.Slot, Standby | None]:
    """A slot for a cold run. A jail built ahead that did not fit is torn down after the run,
    unless its slot is needed now (every slot taken)."""
    if unfit is not None:
        try:
            return slots.acquire(timeout=0), unfit
        except SandboxUnavailable:
            unfit.tear_down()
    return slots.acquire(), None


def _run(job: Job, slot: slots.Slot | None, spawned: Spawned | None = None) -> Execution:
    if spawned is None:
        spawned = spawn(job, slot)
    try:
        streams = {
            "stdout": Stream(spawned.out_r, job.limits.output_kb * 1024),
            "stderr": Stream(spawned.err_r, job.limits.output_kb * 1024),
        }
        if spawned.results_r is not None:
            streams["results"] = Stream(spawned.results_r, RESULTS_CAP)
        streams["status"] = Stream(spawned.status_r, STATUS_CAP, bytearray(spawned.status_seen))
        try:
            if spawned.box is not None:
                release(spawned, job)
            facts = supervise(job, spawned.process, streams, spawned.started)
            execution = classify(job, streams, facts, slot)
            execution.killed = facts.killed
            return execution
        except BaseException:
            # Celery's soft time limit, a KeyboardInterrupt...: never leave the jail running
            # without a supervisor enforcing its wall time.
            kill(spawned.process)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(spawned.process.pid, 0)
            raise
    finally:
        spawned.close()
