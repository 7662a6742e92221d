"""The privileges deploy/ gives a sandbox worker are the ones the jail needs, measured: the
sandbox preflight (which really runs Python and JavaScript in the jail) under exactly the
capabilities of the compose file, without one of them, and with part of /proc hidden as
Docker hides it by default (what `systempaths=unconfined` lifts)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.deploy.layout import REPO, compose

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.skipif(
        os.geteuid() != 0, reason="capabilities only matter to a root worker (slot uids)"
    ),
]

PREFLIGHT = [sys.executable, "-m", "apps.sandbox", "preflight"]


def run_with_capabilities(capabilities: set[str], *, before: list[str] | None = None):
    """The preflight as root, keeping only `capabilities` (as Docker's cap_drop ALL + cap_add,
    or systemd's CapabilityBoundingSet, would)."""
    bounding = ",".join(["-all", *sorted(f"+{name.lower()}" for name in capabilities)])
    setpriv = shutil.which("setpriv")
    argv = [setpriv, "--bounding-set", bounding, "--inh-caps", "-all", *PREFLIGHT]
    return subprocess.run(
        [*(before or []), *argv], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def compose_capabilities() -> set[str]:
    return set(compose()["services"]["worker"]["cap_add"])


def test_the_jail_works_with_only_the_workers_capabilities():
    result = run_with_capabilities(compose_capabilities())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sandbox ok" in result.stdout


@pytest.mark.parametrize("missing", ["SETUID", "SETGID"])
def test_without_the_uid_change_the_jail_refuses_to_run(missing):
    result = run_with_capabilities(compose_capabilities() - {missing})
    assert result.returncode != 0
    assert "sandbox unavailable" in result.stdout + result.stderr
    assert "Operation not permitted" in result.stdout + result.stderr


def test_a_partly_hidden_proc_breaks_the_jail():
    """Docker's default masks /proc entries and mounts /proc/sys read-only; the kernel then
    refuses bubblewrap a fresh /proc. So does systemd's ProtectKernelTunables=."""
    hide = 'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && exec "$@"'
    unshare = ["unshare", "--mount", "--propagation", "private", "sh", "-c", hide, "sh"]
    result = run_with_capabilities(compose_capabilities(), before=unshare)
    assert result.returncode != 0
    assert "Can't mount proc" in result.stdout + result.stderr
