"""run(), Limits, preflight(), and what happens when the jail cannot be built."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from apps.sandbox import Limits, RunResult, SandboxUnavailable, grade, preflight, run, slots
from apps.sandbox import host_check as preflight_module
from apps.sandbox.jail import command, lifecycle, spawn
from apps.sandbox.paths import is_root
from apps.sandbox.runtimes import Layout, Mount, get_runtime

pytestmark = pytest.mark.sandbox

CONTRACT_KEYS = {"verdict", "exit_code", "stdout", "stderr", "wall_ms", "cpu_ms", "truncated"}


def test_limits_defaults_and_overrides():
    js = Limits.for_language("javascript")
    py = Limits.for_language("python", memory_mb=128, wall_seconds=2)
    assert js.processes > py.processes
    assert (py.memory_mb, py.wall_seconds, py.cpu_seconds) == (128, 2, 5.0)
    assert Limits().allow_tmp_read is False


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"memory_mb": 100_000}, ValueError),
        ({"wall_seconds": 0}, ValueError),
        ({"processes": "many"}, ValueError),
        ({"allow_tmp_read": "yes"}, ValueError),
        ({"memory": 128}, TypeError),
    ],
)
def test_limits_reject_bad_values(overrides, error):
    with pytest.raises(error):
        Limits.for_language("python", **overrides)


def test_unknown_language_and_bad_file_names_are_refused():
    with pytest.raises(ValueError):
        run(language="ruby", code="puts 1")
    with pytest.raises(ValueError):
        run(language="python", code="print(1)", filename="../evil.py")
    with pytest.raises(ValueError):
        run(language="python", code="print(1)", filename="main.js")


def test_python_runs_and_reports(jail):
    result = jail("python", "import sys\nprint('hello')\nprint('oops', file=sys.stderr)\n")
    assert result.verdict == "ok"
    assert result.exit_code == 0
    assert result.stdout == "hello\n"
    assert result.stderr == "oops\n"
    assert result.truncated is False
    assert result.wall_ms >= 0 and result.cpu_ms >= 0
    assert set(result.to_dict()) == CONTRACT_KEYS


def test_javascript_runs_and_reports(jail):
    result = jail("javascript", "console.log('hello'); console.error('oops'); process.exitCode = 3")
    assert result.verdict == "runtime_error"
    assert result.exit_code == 3
    assert (result.stdout, result.stderr) == ("hello\n", "oops\n")


def test_a_named_file_and_esm(jail):
    result = jail("javascript", "export const x = 1; console.log(import.meta.url)")
    assert result.verdict == "ok", result.stderr
    result = run(language="javascript", code="console.log(__filename)", filename="solution.js")
    assert result.stdout.strip() == "/box/solution.js"


def test_output_past_the_cap_is_truncated_not_stopped(jail):
    result = jail("python", "print('x' * 50_000)\nprint('end')", output_kb=8)
    assert result.verdict == "ok"
    assert result.truncated is True
    assert len(result.stdout) == 8 * 1024


def test_the_jail_runs_as_a_slot_uid_not_as_the_worker(jail):
    result = jail("python", "import os\nprint(os.getuid(), os.getgid(), os.getgroups())")
    uid, gid, groups = result.stdout.split(maxsplit=2)
    if os.geteuid() == 0:
        assert int(uid) == result.jail_uid != 0
        assert int(gid) == result.jail_uid
        assert groups.strip() == "[]", "no supplementary groups (root's group 0 above all)"
    else:
        assert int(uid) == os.getuid()


def test_preflight_passes_here():
    preflight()


def test_preflight_names_a_missing_bwrap(monkeypatch):
    def missing():
        raise SandboxUnavailable("bwrap not found at /nowhere/bwrap")

    monkeypatch.setattr(preflight_module, "bwrap_binary", missing)
    with pytest.raises(SandboxUnavailable, match="bwrap not found"):
        preflight()


def test_preflight_names_disabled_user_namespaces(monkeypatch):
    real = preflight_module._read_int

    def fake(path):
        return 0 if path.endswith("max_user_namespaces") else real(path)

    monkeypatch.setattr(preflight_module, "_read_int", fake)
    with pytest.raises(SandboxUnavailable, match="user namespaces are disabled"):
        preflight()


def test_a_missing_bwrap_is_a_sandbox_error_never_an_unconfined_run(monkeypatch):
    monkeypatch.setattr(command, "bwrap_binary", lambda: "/nonexistent/bwrap")
    result = run(language="python", code="print('ran')")
    assert result.verdict == "sandbox_error"
    assert "bwrap could not be started" in result.stderr
    assert "ran" not in result.stdout
    assert result.exit_code is None


def test_a_jail_that_cannot_be_built_is_a_sandbox_error(monkeypatch):
    runtime = get_runtime("python")
    layout = runtime.layout()
    # A file bound over a directory that is already bound: bwrap refuses and exits.
    file_over_dir = Mount(layout.mounts[-1].source, layout.mounts[0].dest)
    if not os.path.isfile(file_over_dir.source):
        file_over_dir = Mount(os.__file__, layout.mounts[0].dest)
    broken = Layout((*layout.mounts, file_over_dir), layout.symlinks)
    monkeypatch.setattr(type(runtime), "layout", lambda self: broken)
    result = run(language="python", code="print('ran')")
    assert result.verdict == "sandbox_error", result
    assert result.stderr.startswith("the jail could not be built: bwrap:")
    assert result.stdout == ""


def test_limits_that_cannot_be_set_are_a_sandbox_error_before_bubblewrap(monkeypatch):
    # prlimit fails (more descriptors than the kernel allows): bubblewrap never created the
    # sandbox, which its status channel shows (no line at all), so the program never ran.
    rlimits = spawn.rlimits

    def impossible(*args, **kwargs):
        return [*rlimits(*args, **kwargs), (resource.RLIMIT_NOFILE, 2**40)]

    monkeypatch.setattr(spawn, "rlimits", impossible)
    result = run(language="python", code="print('ran')")
    assert result.verdict == "sandbox_error", result
    assert result.stdout == "" and result.exit_code is None
    if command.util_linux() is not None:
        assert result.stderr.startswith(
            "the jail's limits, identity or namespaces could not be set up: prlimit:"
        ), result.stderr


def test_an_unreadable_runtime_is_a_sandbox_error(monkeypatch):
    runtime = get_runtime("python")
    layout = runtime.layout()
    missing = Layout((*layout.mounts, Mount("/nonexistent/lib", "/x")), layout.symlinks)
    monkeypatch.setattr(type(runtime), "layout", lambda self: missing)
    result = run(language="python", code="print('ran')")
    assert result.verdict == "sandbox_error"
    assert "cannot open /nonexistent/lib" in result.stderr


def test_run_result_sandbox_error_shape():
    result = RunResult.sandbox_error("reason")
    assert result.to_dict() == {
        "verdict": "sandbox_error",
        "exit_code": None,
        "stdout": "",
        "stderr": "reason",
        "wall_ms": 0,
        "cpu_ms": 0,
        "truncated": False,
    }


def test_concurrent_runs_get_distinct_uids(canary):
    code = "import os, time\ntime.sleep(0.5)\nprint(os.getuid())"
    limits = Limits.for_language("python", wall_seconds=5)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda _: run(language="python", code=code, limits=limits), range(4))
        )
    assert [result.verdict for result in results] == ["ok"] * 4
    uids = [int(result.stdout) for result in results]
    if os.geteuid() == 0:
        assert len(set(uids)) == 4, "each concurrent run has a slot (and a uid) of its own"
        assert all(uid == result.jail_uid for uid, result in zip(uids, results, strict=True))


def test_oversized_code_is_refused_before_the_jail():
    result = run(language="python", code="#" * (2 * 1024 * 1024))
    assert result.verdict == "runtime_error"
    assert "larger than the 1024 KB limit" in result.stderr
    graded = grade(language="python", code="#" * (2 * 1024 * 1024), tests={"tests.py": "x = 1"})
    assert graded.status == "error"
    assert "larger than" in graded.message


def test_an_exception_while_supervising_kills_the_jail(monkeypatch):
    from .conftest import LEFTOVERS_AT_RELEASE

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    taken = []
    acquire = slots.acquire

    def recording_acquire(*args, **kwargs):
        taken.append(acquire(*args, **kwargs))
        return taken[-1]

    monkeypatch.setattr(slots, "acquire", recording_acquire)
    monkeypatch.setattr(lifecycle, "supervise", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(language="python", code="import time\ntime.sleep(30)")
    if os.geteuid() == 0:
        assert LEFTOVERS_AT_RELEASE[taken[0].uid] == []


def test_without_util_linux_the_pre_exec_hook_applies_the_same_limits(monkeypatch):
    monkeypatch.setattr(command, "util_linux", lambda: None)
    code = (
        "import os, resource\n"
        "print(resource.getrlimit(resource.RLIMIT_NOFILE)[0], os.getgroups(), os.getuid() != 0)\n"
    )
    result = run(language="python", code=code, limits=Limits.for_language("python", open_files=40))
    assert result.verdict == "ok", result
    assert result.stdout.split()[0] == "40"
    assert result.stdout.strip().endswith("True")


def test_the_spawn_chain_sets_limits_and_drops_every_group():
    code = (
        "import os, resource\n"
        "print(resource.getrlimit(resource.RLIMIT_NOFILE)[0],"
        " resource.getrlimit(resource.RLIMIT_CORE)[0], len(os.getgroups()), os.getuid() != 0)\n"
    )
    result = run(language="python", code=code, limits=Limits.for_language("python", open_files=40))
    assert result.verdict == "ok", result
    nofile, core, groups, not_root = result.stdout.split()
    assert (nofile, core, not_root) == ("40", "0", "True")
    assert int(groups) <= 1, "no supplementary groups of the worker reach the jail"


def test_a_slot_whose_holder_died_is_swept_before_it_is_used_again(monkeypatch):
    # A worker killed while it held a slot (its jail still starting, say) leaves the slot's lock
    # marked taken; the next run that takes the slot first kills what still runs as its uid.
    if not is_root():
        return  # a non-root worker has no slots: the jail runs as the worker's own uid
    slot = slots.acquire(timeout=5)
    index, uid = slot.index, slot.uid
    leftover = subprocess.Popen(["sleep", "60"], user=uid, group=uid, extra_groups=[])
    try:
        os.close(slot.fd)  # the holder dies: the lock is dropped, "taken" stays written
        slot.fd = -1
        monkeypatch.setattr(slots.random, "randrange", lambda count: index)
        again = slots.acquire(timeout=5)
        try:
            assert again.uid == uid
            assert leftover.wait(timeout=5) == -signal.SIGKILL
            assert slots.processes_of_uid(uid) == []
        finally:
            again.release()
    finally:
        leftover.kill()
        leftover.wait()
