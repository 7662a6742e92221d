"""preflight(): can this host build the jail? Checks the prerequisites, then really runs a
trivial program of each language in the jail and checks from inside that it is confined."""

from __future__ import annotations

import os
import platform

from .api import run
from .jail import bwrap_binary
from .languages import JAVASCRIPT, PYTHON
from .limits import Limits
from .paths import is_root
from .results import OK, SandboxUnavailable
from .runtimes import get_runtime, node_binary
from .seccomp.rules import ARCHES
from .slots import slot_range


def _read_int(path: str) -> int | None:
    try:
        with open(path) as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def check_user_namespaces() -> None:
    """The usual reasons unprivileged user namespaces are off, named with the knob to turn."""
    if _read_int("/proc/sys/user/max_user_namespaces") == 0:
        raise SandboxUnavailable(
            "user namespaces are disabled: /proc/sys/user/max_user_namespaces is 0"
        )
    if _read_int("/proc/sys/kernel/unprivileged_userns_clone") == 0:
        raise SandboxUnavailable(
            "user namespaces are disabled: kernel.unprivileged_userns_clone is 0"
        )
    if _read_int("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1:
        raise SandboxUnavailable(
            "user namespaces are restricted by AppArmor: "
            "kernel.apparmor_restrict_unprivileged_userns is 1 (allow bwrap with a profile)"
        )


# Printed from inside the jail: the uid, whether the seccomp filter is on, and what leaks.
_PYTHON_PROBE = """
import os
status = open("/proc/self/status").read()
seccomp = [line.split()[1] for line in status.splitlines() if line.startswith("Seccomp:")]
print("uid", os.getuid(), "seccomp", seccomp[0] if seccomp else "?")
print("net", sorted(line.split(":")[0].strip() for line in open("/proc/net/dev").readlines()[2:]))
host = ("/etc/passwd", "/home", "/run", "/work", "/root/.ssh")
print("visible", [path for path in host if os.path.exists(path)])
print(6 * 7)
"""

_NODE_PROBE = "console.log(6 * 7)"


def _probe(language: str, code: str) -> str:
    limits = Limits.for_language(language, wall_seconds=20)
    result = run(language=language, code=code, limits=limits)
    if result.verdict != OK:
        detail = result.stderr.strip()[-500:] or f"exit code {result.exit_code}"
        raise SandboxUnavailable(
            f"a trivial {language} program failed in the jail ({result.verdict}): {detail}"
        )
    return result.stdout


def preflight() -> None:
    """Raise SandboxUnavailable(reason) unless both runtimes really run, confined, in the jail."""
    if platform.system() != "Linux":
        raise SandboxUnavailable(f"the sandbox needs Linux, not {platform.system()}")
    machine = platform.machine()
    if machine not in ARCHES:
        raise SandboxUnavailable(f"the seccomp filter knows x86_64 and aarch64, not {machine}")
    bwrap_binary()
    node_binary()
    check_user_namespaces()
    if is_root():
        slot_range()
    get_runtime(PYTHON.key).layout()
    get_runtime(JAVASCRIPT.key).layout()

    report = _probe(PYTHON.key, _PYTHON_PROBE)
    if "42" not in report.split():
        raise SandboxUnavailable(f"the Python probe printed an unexpected answer: {report[:300]!r}")
    fields = report.split()
    uid = int(fields[fields.index("uid") + 1])
    if uid == 0:
        raise SandboxUnavailable("the jailed code runs as uid 0")
    if is_root() and uid == os.getuid():
        raise SandboxUnavailable("the jailed code runs as the worker's uid")
    if fields[fields.index("seccomp") + 1] != "2":
        raise SandboxUnavailable("the seccomp filter is not active inside the jail")
    if "net ['lo']" not in report:
        raise SandboxUnavailable(f"the jail has network interfaces besides lo: {report[:300]!r}")
    if "visible []" not in report:
        raise SandboxUnavailable(f"host paths are visible inside the jail: {report[:300]!r}")

    if _probe(JAVASCRIPT.key, _NODE_PROBE).strip() != "42":
        raise SandboxUnavailable("the JavaScript probe printed an unexpected answer")
