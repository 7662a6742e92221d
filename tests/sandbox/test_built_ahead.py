"""Jails built ahead (warm_jail): a worker process keeps the next jail built and waiting. What a
learner would notice if it went wrong: another submission's files or output in their run, limits
that no longer hold, a jail left running after the worker is gone. The attack suite also runs
every case in a jail built ahead (the `jail` fixture)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from apps.sandbox import Limits, grade, run, warm_jail
from apps.sandbox.paths import is_root
from apps.sandbox.slots import processes_of_uid

pytestmark = pytest.mark.sandbox

PY_HELLO = "print('hello')\n"


@pytest.fixture
def warm():
    warm_jail.start()
    yield
    warm_jail.stop()


def _gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # our own child: reap it, or it lingers as a zombie
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.02)
    return False


def _jail_processes(outer_pid: int) -> list[tuple[int, str]]:
    """(pid, command name) of bubblewrap's children: the jail's pid 1."""
    with open(f"/proc/{outer_pid}/task/{outer_pid}/children") as handle:
        children = [int(pid) for pid in handle.read().split()]
    found = []
    for pid in children:
        with open(f"/proc/{pid}/comm") as handle:
            found.append((pid, handle.read().strip()))
    return found


def test_each_run_sees_only_its_own_files_read_only(warm):
    first = run(language="python", code="open('/tmp/mine', 'w').write('first')\nprint('first')\n")
    assert first.stdout == "first\n"
    assert warm_jail.standby_pid is not None
    used = warm_jail.runs_built_ahead
    code = textwrap.dedent("""
        import os
        print(sorted(os.listdir("/box")), open("/box/main.py").read().count("second"))
        print(os.path.exists("/tmp/mine"))
        try:
            open("/box/main.py", "a")
        except OSError as exc:
            print("refused", exc.strerror)
        # second
    """)
    second = run(language="python", code=code)
    assert warm_jail.runs_built_ahead == used + 1
    assert second.verdict == "ok", second
    listing, tmp, write = second.stdout.splitlines()
    assert listing == "['main.py'] 2", "only this run's file, with this run's code"
    assert tmp == "False", "a fresh /tmp, not the previous run's"
    assert write in ("refused Read-only file system", "refused Permission denied")


def test_a_jail_built_ahead_runs_nothing_until_released(warm):
    run(language="python", code=PY_HELLO)
    outer = warm_jail.standby_pid
    time.sleep(0.3)
    inside = _jail_processes(outer)
    assert [name for _, name in inside] == ["bwrap"], "only bubblewrap waits, no interpreter"
    if is_root():
        uid = warm_jail.standby.slot.uid
        names = []
        for pid in processes_of_uid(uid):
            with open(f"/proc/{pid}/comm") as handle:
                names.append(handle.read().strip())
        assert set(names) == {"bwrap"}, names


def test_limits_hold_in_a_jail_built_ahead(warm):
    limits = Limits.for_language("python", wall_seconds=6, cpu_seconds=1)
    run(language="python", code=PY_HELLO, limits=limits)
    used = warm_jail.runs_built_ahead
    result = run(language="python", code="while True:\n    pass\n", limits=limits)
    assert warm_jail.runs_built_ahead == used + 1
    assert result.verdict == "time_limit"
    assert 900 <= result.cpu_ms < 1500, "the CPU limit of 1 s was applied before the release"


def test_a_different_language_or_limits_gets_a_jail_of_its_own(warm):
    run(language="python", code=PY_HELLO)
    waiting = warm_jail.standby_pid
    used = warm_jail.runs_built_ahead
    result = run(language="javascript", code="console.log(typeof require);\n")
    assert result.stdout == "function\n"
    assert warm_jail.runs_built_ahead == used, "a python jail must not run javascript"
    assert _gone(waiting), "the jail that did not fit was torn down"
    assert warm_jail.standby_pid not in (None, waiting)
    tighter = Limits.for_language("javascript", memory_mb=64)
    run(language="javascript", code="console.log(1);\n", limits=tighter)
    assert warm_jail.runs_built_ahead == used, "other limits, another jail"


def test_a_jail_built_ahead_that_died_is_not_used(warm):
    run(language="python", code=PY_HELLO)
    os.kill(warm_jail.standby_pid, signal.SIGKILL)
    time.sleep(0.1)
    used = warm_jail.runs_built_ahead
    result = run(language="python", code=PY_HELLO)
    assert result.verdict == "ok" and result.stdout == "hello\n"
    assert warm_jail.runs_built_ahead == used


def test_stopping_tears_down_the_waiting_jail_and_its_box():
    warm_jail.start()
    try:
        run(language="python", code=PY_HELLO)
        waiting = warm_jail.standby_pid
        box = warm_jail.standby.spawned.box
        info = os.stat(box)
        if is_root():  # the slot's group may read it, no other account
            assert (stat.S_IMODE(info.st_mode), info.st_gid) == (
                0o750,
                warm_jail.standby.slot.uid,
            )
        else:
            assert stat.S_IMODE(info.st_mode) == 0o700
    finally:
        warm_jail.stop()
    assert warm_jail.standby_pid is None
    assert _gone(waiting)
    assert not os.path.exists(box)


def test_the_waiting_jail_dies_with_its_worker_process():
    script = textwrap.dedent("""
        import sys, time
        from apps.sandbox import run, warm_jail
        warm_jail.start(build_after_each_run=False)  # as the grading task does
        assert run(language="python", code="print(1)").verdict == "ok"
        warm_jail.build_next()
        slot = warm_jail.standby.slot
        print(warm_jail.standby_pid, slot.uid if slot else -1, warm_jail.standby.spawned.box,
              flush=True)
        time.sleep(60)
    """)
    worker = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=os.getcwd(),
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    try:
        pid, uid, box = worker.stdout.readline().split()
        pid, uid = int(pid), int(uid)
        os.kill(pid, 0)  # waiting
    finally:
        worker.kill()
        worker.wait()
        worker.stdout.close()
    assert _gone(pid), "bubblewrap outlived the worker process"
    if uid >= 0:
        deadline = time.monotonic() + 5
        while processes_of_uid(uid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_of_uid(uid) == []
    # The next process that keeps jails warm removes the dead worker's box.
    warm_jail.start()
    warm_jail.stop()
    assert not os.path.exists(box)


GRADE_TESTS = {
    "test_double.py": textwrap.dedent("""
        from harness import test, load

        @test("doubles")
        def _():
            assert load().double(2) == 4
    """)
}


def test_grading_in_a_jail_built_ahead_keeps_its_verdicts(warm):
    right = "def double(n):\n    return 2 * n\n"
    wrong = "def double(n):\n    return n\n"
    first = grade(language="python", code=right, tests=GRADE_TESTS)
    assert first.status == "pass"
    used = warm_jail.runs_built_ahead
    failed = grade(language="python", code=wrong, tests=GRADE_TESTS)
    passed = grade(language="python", code=right, tests=GRADE_TESTS)
    assert warm_jail.runs_built_ahead == used + 2
    assert failed.status == "fail" and [t.status for t in failed.tests] == ["fail"]
    assert passed.status == "pass" and [t.status for t in passed.tests] == ["pass"]


def test_a_worker_builds_the_next_jail_only_when_it_asks():
    """The worker's mode: the run's result first, then (build_next) the next jail."""
    warm_jail.start(build_after_each_run=False)
    try:
        run(language="python", code=PY_HELLO)
        assert warm_jail.standby_pid is None, "nothing built before the caller asked"
        warm_jail.build_next()
        assert warm_jail.standby_pid is not None
        used = warm_jail.runs_built_ahead
        assert run(language="python", code="print(2)\n").stdout == "2\n"
        assert warm_jail.runs_built_ahead == used + 1
        warm_jail.build_next()
        waiting = warm_jail.standby_pid
        warm_jail.build_next()  # asking twice builds one
        assert warm_jail.standby_pid == waiting
    finally:
        warm_jail.stop()
    assert warm_jail.standby_pid is None


@pytest.mark.skipif(not is_root(), reason="slots (one uid per run) exist for root workers only")
def test_a_waiting_jail_gives_its_slot_up_when_a_run_needs_it(monkeypatch, tmp_path_factory):
    """Every slot taken (one by the waiting jail that does not fit): the run still gets a slot
    at once, instead of waiting out the slot timeout."""
    from apps.sandbox import paths, slots

    state = tmp_path_factory.mktemp("state")
    state.chmod(0o755)
    monkeypatch.setenv("PORTAL_SANDBOX_STATE_DIR", str(state / "sandbox"))
    monkeypatch.setenv("PORTAL_SANDBOX_UID_BASE", "64800")
    monkeypatch.setenv("PORTAL_SANDBOX_SLOTS", "2")
    monkeypatch.setattr(paths, "_STATE_DIR", None)
    slots.slot_range.cache_clear()
    warm_jail.start()
    held = None
    try:
        run(language="javascript", code="console.log(1);\n")
        assert warm_jail.standby_pid is not None
        held = slots.acquire(timeout=1)  # the other slot: now none is free
        started = time.monotonic()
        other = Limits.for_language("javascript", memory_mb=64)
        result = run(language="javascript", code="console.log(2);\n", limits=other)
        assert result.verdict == "ok" and result.stdout == "2\n", result
        assert time.monotonic() - started < 10
    finally:
        if held is not None:
            held.release()
        warm_jail.stop()
        monkeypatch.undo()
        paths._STATE_DIR = None
        slots.slot_range.cache_clear()


def test_a_forked_child_never_uses_its_parents_waiting_jail(warm):
    run(language="python", code=PY_HELLO)
    waiting = warm_jail.standby_pid
    pid = os.fork()
    if pid == 0:  # the child: a jail of its own, the parent's untouched
        status = 1
        try:
            used = warm_jail.runs_built_ahead
            result = run(language="python", code="print('child')\n")
            if result.stdout == "child\n" and warm_jail.runs_built_ahead == used:
                status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the child ran in its own jail"
    assert warm_jail.standby_pid == waiting
    used = warm_jail.runs_built_ahead
    assert run(language="python", code="print('parent')\n").stdout == "parent\n"
    assert warm_jail.runs_built_ahead == used + 1, (
        "the parent's jail was still there for the parent"
    )
