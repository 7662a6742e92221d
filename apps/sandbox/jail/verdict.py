"""How a run ended, from the supervisor's facts only (rule 7: never from what the program wrote on
stdout or stderr): its own timers and measurements, bubblewrap's status channel, the wait status
and the kernel's CPU and memory accounting."""

from __future__ import annotations

import logging
import math
import os
import signal

from ..results import (
    MEMORY_LIMIT,
    OK,
    OUTPUT_LIMIT,
    RUNTIME_ERROR,
    SANDBOX_ERROR,
    TIME_LIMIT,
    RunResult,
    Verdict,
)
from ..slots import Slot
from .job import Execution, Job
from .supervise import Facts, Status, Stream

logger = logging.getLogger("apps.sandbox")

_CRASH_SIGNALS = {signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, signal.SIGTRAP, signal.SIGILL}


def _setup_failure(stderr: bytes, sandbox: Status, exit_code: int | None) -> str:
    """The reason for a run whose program never started (bubblewrap wrote no `exit-code`). Only
    the jail's own tools ran, so stderr is theirs: prlimit, setpriv and bubblewrap's checks
    before it creates the sandbox process (no `child-pid` yet), or bubblewrap's set-up inside
    the new namespaces and the exec of the runtime (after `child-pid`). Before it, exit status
    126 or 127 is prlimit or setpriv failing to execute the next program of the chain."""
    text = stderr.decode("utf-8", "replace").strip()
    message = text.splitlines()[0] if text else "no message"
    if sandbox.child_pid is not None:
        return f"the jail could not be built: {message}"
    if exit_code in (126, 127):
        return f"bwrap could not be started: {message}"
    if "namespace" in message.lower() or "uid map" in message.lower():
        return f"user namespaces are disabled or restricted on this machine: {message}"
    return f"the jail's limits, identity or namespaces could not be set up: {message}"


def classify(job: Job, streams: dict[str, Stream], facts: Facts, slot: Slot | None) -> Execution:
    """The verdict of a run the supervisor watched to its end (see the module's docstring)."""
    stdout, stderr = streams["stdout"], streams["stderr"]
    status, rusage = facts.status, facts.rusage
    cpu_ms = int((rusage.ru_utime + rusage.ru_stime) * 1000)
    # Not ru_maxrss: a child spawned with vfork carries the worker's own peak into it at exec.
    peak_kb = facts.peak_kb
    memory_limit_kb = job.runtime.memory_limit_kb(job.limits)
    wall_ms = int(facts.elapsed * 1000)
    exit_code: int | None = None
    signum = None
    if os.WIFEXITED(status):
        exit_code = os.WEXITSTATUS(status)
        if exit_code > 128:
            signum = exit_code - 128  # bwrap reports a signal death as 128 + N
    elif os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)

    def result(verdict: Verdict, code: int | None) -> RunResult:
        return RunResult(
            verdict=verdict,
            exit_code=code,
            stdout=bytes(stdout.data).decode("utf-8", "replace"),
            stderr=bytes(stderr.data).decode("utf-8", "replace"),
            wall_ms=wall_ms,
            cpu_ms=cpu_ms,
            truncated=stdout.truncated or stderr.truncated,
            jail_uid=slot.uid if slot is not None else os.getuid(),
            max_rss_kb=peak_kb,
        )

    channel = streams.get("results")
    channel_bytes = bytes(channel.data) if channel is not None else b""
    channel_truncated = channel.truncated if channel is not None else False

    def done(verdict: Verdict, code: int | None, hit: str | None = None) -> Execution:
        return Execution(result(verdict, code), channel_bytes, hit, channel_truncated)

    if facts.limit_hit == "output":
        return done(OUTPUT_LIMIT, None, "output")
    if facts.limit_hit == "wall":
        return done(TIME_LIMIT, None, "wall")
    if facts.limit_hit == "memory":
        return done(MEMORY_LIMIT, None, "memory")
    if not facts.sandbox.program_ran:
        failure = _setup_failure(bytes(stderr.data), facts.sandbox, exit_code)
        logger.warning("sandbox setup failed: %s", failure)
        return Execution(
            RunResult(SANDBOX_ERROR, None, "", failure, wall_ms, cpu_ms, False, None, 0)
        )
    cpu_limit_ms = max(1, math.ceil(job.limits.cpu_seconds)) * 1000
    if signum in (signal.SIGKILL, signal.SIGXCPU) and cpu_ms >= cpu_limit_ms * 0.9:
        return done(TIME_LIMIT, exit_code, "cpu")
    if peak_kb > memory_limit_kb:
        # Over the limit, even if it ended before the next sample could stop it.
        return done(MEMORY_LIMIT, exit_code, "memory")
    if exit_code != 0 or signum is not None:
        # A runtime that gives up at its own limit (V8 at its heap limit, which is memory_mb)
        # crashes with a signal; with the measured memory past memory_mb, that is the memory
        # limit. Without both facts it is an ordinary error, whatever stderr says.
        if signum in _CRASH_SIGNALS and peak_kb >= job.limits.memory_mb * 1024:
            return done(MEMORY_LIMIT, exit_code, "memory")
        return done(RUNTIME_ERROR, exit_code)
    return done(OK, exit_code)
