"""Watch a started jail until it ends: read stdout, stderr, the results channel and bubblewrap's
status concurrently, storing up to the caps; sample the memory of the jail's processes; enforce
the wall time; on expiry, a memory peak past the limit, or a flood far past the output cap,
SIGKILL bubblewrap's process group. pid 1 of the jail has PR_SET_PDEATHSIG (--die-with-parent),
and when it dies the kernel kills everything else in its pid namespace. bubblewrap is reaped
with wait4, whose rusage covers the whole jail.

What the supervisor saw comes back as Facts; verdict.classify() turns them into a verdict."""

from __future__ import annotations

import contextlib
import json
import math
import os
import resource
import select
import signal
import subprocess
import time
from dataclasses import dataclass, field

from .job import Job

# How often the supervisor reads the memory of the jail's processes while they run. Between two
# samples a program can grow by what it can touch in that time; the rlimits are the hard stop.
MEMORY_SAMPLE_SECONDS = 0.005
KILL_GRACE_SECONDS = 2.0
PIPE_CHUNK = 256 * 1024


@dataclass(slots=True)
class Stream:
    """Our end of one of the jail's pipes, and what came through it (up to `cap`)."""

    fd: int
    cap: int
    data: bytearray = field(default_factory=bytearray)
    seen: int = 0

    @property
    def truncated(self) -> bool:
        return self.seen > self.cap

    def flood_threshold(self) -> int:
        # Well inside spawn.PIPE_BYTES: once a writer has filled the pipe, what is in it is
        # enough to call it a flood (Node, once its pipe is full, queues everything else in
        # memory).
        return self.cap + max(4 * self.cap, 256 * 1024)


@dataclass(frozen=True, slots=True)
class Status:
    """What bubblewrap reported on --json-status-fd, a descriptor only bubblewrap holds: the
    sandbox process was created (`child-pid`, the runtime's host pid), and, once it exits,
    `exit-code`, which bubblewrap writes only when its set-up finished and the runtime was
    executed. No `exit-code` line: the program never ran, whatever the exit status says."""

    child_pid: int | None = None
    program_ran: bool = False

    @classmethod
    def parse(cls, data: bytes) -> Status:
        child_pid = None
        program_ran = False
        for line in data.splitlines():
            try:
                document = json.loads(line)
            except ValueError:
                continue
            if not isinstance(document, dict):
                continue
            if isinstance(document.get("child-pid"), int):
                child_pid = document["child-pid"]
            if isinstance(document.get("exit-code"), int):
                program_ran = True
        return cls(child_pid, program_ran)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the supervisor itself knows about a run: nothing here comes from the program."""

    status: int  # wait status of the exec chain (bubblewrap reports the program's as its own)
    rusage: resource.struct_rusage
    elapsed: float
    limit_hit: str | None  # "wall", "output", "memory": the supervisor stopped the run
    sandbox: Status
    peak_kb: int  # the most resident memory the supervisor measured
    killed: bool  # the supervisor killed the jail (wall time, memory, output flood)


def kill(process: subprocess.Popen[bytes]) -> None:
    # os.kill, not Popen.kill: Popen polls (and so reaps) first, and the rusage would be lost.
    # The pid cannot be reused before this package reaps it.
    for send in (os.killpg, os.kill):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            send(process.pid, signal.SIGKILL)


def supervise(
    job: Job,
    process: subprocess.Popen[bytes],
    streams: dict[str, Stream],
    started: float,
) -> Facts:
    deadline = started + job.limits.wall_seconds
    memory_limit_kb = job.runtime.memory_limit_kb(job.limits)
    by_fd = {stream.fd: stream for stream in streams.values()}
    status_stream = streams["status"]
    poller = select.poll()
    for fd in by_fd:
        poller.register(fd, select.POLLIN)
    try:
        pidfd = os.pidfd_open(process.pid)
        poller.register(pidfd, select.POLLIN)
    except (AttributeError, OSError):
        pidfd = -1
    open_fds = set(by_fd)
    status: int | None = None
    rusage: resource.struct_rusage | None = None
    ended_at = 0.0  # set with `status`
    killed_at: float | None = None
    limit_hit = None
    program_pid: int | None = None  # the runtime's host pid, once bubblewrap reported it
    peak_kb = 0
    next_sample = 0.0
    try:
        while True:
            now = time.monotonic()
            if status is None and killed_at is None and now >= deadline:
                limit_hit = "wall"
                killed_at = now
                kill(process)
            if program_pid is None:
                program_pid = Status.parse(bytes(status_stream.data)).child_pid
            running = status is None and killed_at is None
            if running and program_pid is not None and now >= next_sample:
                next_sample = now + MEMORY_SAMPLE_SECONDS
                peak_kb = max(peak_kb, _resident_kb(program_pid))
                if peak_kb > memory_limit_kb:
                    limit_hit = "memory"
                    killed_at = now
                    kill(process)
            if status is not None and not open_fds:
                break
            if killed_at is not None and now >= killed_at + KILL_GRACE_SECONDS:
                break  # the jail is dead; a descriptor stuck open must not hang the worker
            if status is not None and now >= ended_at + KILL_GRACE_SECONDS:
                break
            if killed_at is not None:
                wait_ms = (killed_at + KILL_GRACE_SECONDS - now) * 1000
            elif status is not None:
                wait_ms = (ended_at + KILL_GRACE_SECONDS - now) * 1000
            else:
                wait_ms = (deadline - now) * 1000
                if program_pid is not None:
                    wait_ms = min(wait_ms, (next_sample - now) * 1000)
            if pidfd < 0 and status is None:
                wait_ms = min(wait_ms, 20)
            events = poller.poll(max(1, math.ceil(wait_ms)))
            for fd, _ in events:
                if fd == pidfd:
                    poller.unregister(pidfd)
                    continue
                stream = by_fd[fd]
                chunk = os.read(fd, PIPE_CHUNK)
                if not chunk:
                    poller.unregister(fd)
                    open_fds.discard(fd)
                    continue
                room = stream.cap - len(stream.data)
                if room > 0:
                    stream.data += chunk[:room]
                stream.seen += len(chunk)
                if stream is status_stream:
                    continue
                if stream.seen > stream.flood_threshold() and killed_at is None and status is None:
                    limit_hit = "output"
                    killed_at = time.monotonic()
                    kill(process)
            if status is None:
                waited = os.wait4(process.pid, os.WNOHANG)
                if waited[0] == process.pid:
                    _, status, rusage = waited
                    ended_at = time.monotonic()
        if status is None:
            kill(process)
            _, status, rusage = os.wait4(process.pid, 0)
            ended_at = time.monotonic()
    finally:
        if pidfd >= 0:
            os.close(pidfd)
    assert rusage is not None  # reaped: wait4 gave both
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Facts(
        status=status,
        rusage=rusage,
        elapsed=ended_at - started,
        limit_hit=limit_hit,
        sandbox=Status.parse(bytes(status_stream.data)),
        peak_kb=peak_kb,
        killed=killed_at is not None,
    )


def _status_field_kb(data: bytes, name: bytes) -> int:
    start = data.find(name)
    if start < 0:
        return 0
    end = start + len(name)
    fields = data[end : data.find(b"\n", end)].split()
    return int(fields[0]) if fields and fields[0].isdigit() else 0


def _resident_kb(root: int) -> int:
    """The memory the jail's processes hold, in KiB: the sum over its processes of their
    resident anonymous and shared-memory pages (RssAnon + RssShmem: heaps, Buffers, wasm
    memories, native allocations, thread stacks, /dev/shm mappings). Pages of the runtime's
    binary and libraries (RssFile) are not counted: they are shared by every run and can be
    reread from disk. Descendants are found through /proc/PID/task/PID/children (children of
    each process's main thread).

    A peak between two samples still counts while the process lives: the kernel keeps its
    resident high-water mark (VmHWM, file pages included), and VmHWM minus today's RssFile is
    at most what the process held in anonymous and shared memory at its peak (file pages only
    grow while a run lasts, short of host memory pressure)."""
    total = peak = 0
    pending = [root]
    seen: set[int] = set()
    while pending and len(seen) < 4096:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fd = os.open(f"/proc/{pid}/status", os.O_RDONLY | os.O_CLOEXEC)
            try:
                data = os.read(fd, 8192)
            finally:
                os.close(fd)
        except OSError:
            continue
        total += _status_field_kb(data, b"\nRssAnon:") + _status_field_kb(data, b"\nRssShmem:")
        high_water = _status_field_kb(data, b"\nVmHWM:") - _status_field_kb(data, b"\nRssFile:")
        peak = max(peak, high_water)
        try:
            fd = os.open(f"/proc/{pid}/task/{pid}/children", os.O_RDONLY | os.O_CLOEXEC)
            try:
                children = os.read(fd, 65536)
            finally:
                os.close(fd)
        except OSError:
            continue
        pending += [int(child) for child in children.split()]
    return max(total, peak)
