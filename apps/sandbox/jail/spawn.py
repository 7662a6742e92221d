"""Start bubblewrap for a job: the pipes for stdin, stdout, stderr, bubblewrap's status and (for
grading) the results channel, then one vfork + exec of the command line (no Python code runs in
the child, so spawning from a large worker costs no page-table copy) with an EMPTY environment.

A jail built ahead (`ahead=True`) gets a /box directory of its own and a pipe bubblewrap waits
on; `release()` later writes stdin and sends the byte that lets the program start."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from ..results import SandboxUnavailable
from ..runtimes import MB
from ..slots import Slot
from .boxes import new_box, remove_box
from .command import bwrap_argv, child_setup, rlimits, spawn_prefix
from .job import Job

# Node queues writes in its own memory once a pipe is full (and drains the queue only when its
# event loop turns, which a print loop never lets happen), so a small pipe turns a stdout flood
# into a memory_limit. A 1 MB pipe lets the flood reach the reader, which then stops it.
PIPE_BYTES = 1 * MB


@dataclass(slots=True)
class Spawned:
    """A started bubblewrap and our ends of its descriptors."""

    process: subprocess.Popen[bytes]
    out_r: int
    err_r: int
    results_r: int | None
    status_r: int  # bubblewrap's --json-status-fd: the set-up facts (see supervise.Status)
    started: float  # when the program's wall time starts
    stdin_w: int | None = None  # built ahead: the job's stdin is written at release
    block_w: int | None = None  # built ahead: one byte here lets bubblewrap execute the program
    box: str | None = None  # built ahead: the host directory bound read-only at /box
    status_seen: bytes = b""  # built ahead: what the status channel said while it was built

    def close(self) -> None:
        for name in ("out_r", "err_r", "results_r", "status_r", "stdin_w", "block_w"):
            fd = getattr(self, name)
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
                setattr(self, name, None)


def _enlarge_pipe(fd: int) -> None:
    # Fails above /proc/sys/fs/pipe-max-size or the user's pipe quota: the default then stays.
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def spawn(job: Job, slot: Slot | None, *, ahead: bool = False) -> Spawned:
    """Start bubblewrap for `job`. `ahead`: build the jail now and let it wait, right before the
    program would start, for `release()` (the files, stdin and the go byte come then)."""
    opened: list[int] = []  # our copies of descriptors handed to bwrap; closed after the spawn
    ours: list[int] = []  # our ends of the pipes, owned by the Spawned once it exists
    box = None
    try:
        stdin_r, stdin_pipe_w = os.pipe2(os.O_CLOEXEC)
        opened.append(stdin_r)
        ours.append(stdin_pipe_w)
        stdin_w: int | None = stdin_pipe_w
        if not ahead:
            # Written before the spawn (a nonce line fits in the pipe buffer), then closed: the
            # program reads it and then end-of-file.
            if job.stdin:
                os.write(stdin_pipe_w, job.stdin)
            os.close(ours.pop())
            stdin_w = None
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        ours.append(out_r)
        opened.append(out_w)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        ours.append(err_r)
        opened.append(err_w)
        for fd in (out_w, err_w):
            _enlarge_pipe(fd)
        # bubblewrap's own status channel: the program never holds this descriptor (bubblewrap
        # closes it in the sandbox's process before anything else happens there).
        status_r, status_w = os.pipe2(os.O_CLOEXEC)
        ours.append(status_r)
        opened.append(status_w)
        results_r = results_w = None
        if job.results_channel:
            results_r, results_w = os.pipe2(os.O_CLOEXEC)
            ours.append(results_r)
            opened.append(results_w)
        block_r = block_w = None
        if ahead:
            block_r, block_w = os.pipe2(os.O_CLOEXEC)
            opened.append(block_r)
            ours.append(block_w)
            box = new_box(slot)
        argv = bwrap_argv(job, opened, results_w, status_w, box=box, block_fd=block_r)
        limits = rlimits(job.runtime, job.limits, dedicated_uid=slot is not None)
        keep = tuple(fd for fd in opened if fd not in (stdin_r, out_w, err_w))
        prefix = spawn_prefix(limits, slot.uid if slot is not None else None)
        spawn_options: dict[str, Any]
        if prefix is not None:
            argv = prefix + argv
            spawn_options = {}
        else:
            spawn_options = {"preexec_fn": functools.partial(child_setup, limits)}
            if slot is not None:
                spawn_options |= {"user": slot.uid, "group": slot.uid, "extra_groups": []}
        started = time.monotonic()
        try:
            process = subprocess.Popen(
                argv,
                stdin=stdin_r,
                stdout=out_w,
                stderr=err_w,
                env={},  # not even the worker's environment reaches bwrap (/proc/1/environ)
                cwd="/",
                pass_fds=keep,
                close_fds=True,
                start_new_session=True,
                **spawn_options,
            )
        except OSError as exc:
            raise SandboxUnavailable(f"bwrap could not be started: {exc}") from exc
        spawned = Spawned(
            process, out_r, err_r, results_r, status_r, started, stdin_w, block_w, box
        )
        ours.clear()
        box = None
        return spawned
    finally:
        for fd in opened + ours:
            with contextlib.suppress(OSError):
                os.close(fd)
        if box is not None:
            remove_box(box)


def release(spawned: Spawned, job: Job) -> None:
    """Let a jail built ahead (its /box filled) read its stdin and execute the program."""
    assert spawned.stdin_w is not None and spawned.block_w is not None, "not built ahead"
    # A jail that died while it waited shows up as a closed pipe here, and then as bubblewrap's
    # own error and exit status in supervise().
    with contextlib.suppress(BrokenPipeError):
        if job.stdin:
            os.write(spawned.stdin_w, job.stdin)
    os.close(spawned.stdin_w)
    spawned.stdin_w = None
    spawned.started = time.monotonic()
    with contextlib.suppress(BrokenPipeError):
        os.write(spawned.block_w, b"\n")
    os.close(spawned.block_w)
    spawned.block_w = None
