"""A full or read-only disk, in the jail and on the worker's host.

- In the jail: code that fills its private /tmp (a size-limited tmpfs) gets a clear verdict, and
  the next submission, in a fresh jail, is graded normally. Through the real worker.
- On the host: the sandbox's state directory (staged runtimes, slot locks) full or read-only.
  Grading in this process against a tiny filesystem: the outcome is a retryable `sandbox_error`
  naming the reason, the task does not crash, the code never runs unconfined, and once the disk
  is back the sweep's retry grades it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse

from apps.exercises.models import Submission
from tests.factories import ExerciseFactory
from tests.faults.common import status_partial, submit, wait_final

FILLS_TMP = """\
def _fill():
    index = 0
    while True:
        with open(f"/tmp/fill-{index}", "wb") as handle:
            handle.write(b"x" * 1024 * 1024)
        index += 1


_fill()


def add(a, b):
    return a + b
"""
PY_ADDS = "def add(a, b):\n    return a + b\n"


# In the jail ---------------------------------------------------------------------------------


def test_code_that_fills_the_jails_tmp_gets_a_clear_verdict_and_the_next_run_is_normal(
    grading_stack, learners, nothing_left_in_flight
):
    exercise = ExerciseFactory(language="python", limits={"tmp_mb": 4})
    ((_, client),) = learners(1)

    (full,) = wait_final(submit(client, exercise, FILLS_TMP))
    assert full.state in (Submission.State.FAILED, Submission.State.ERROR), full.state
    assert full.verdict == "ok", "the jail itself was fine: the learner's code failed"
    html = status_partial(client, full)
    assert "No space left on device" in html, html

    (next_run,) = wait_final(submit(client, exercise, PY_ADDS))
    assert next_run.state == Submission.State.PASSED, next_run.message


# On the host ---------------------------------------------------------------------------------


def _mount(*args: str) -> bool:
    done = subprocess.run(["mount", *args], capture_output=True, timeout=30)
    return done.returncode == 0


class StateDisk:
    """A small filesystem for the sandbox's state directory: a real tmpfs when this process may
    mount one (root, as the worker runs), else the same errors raised where the sandbox meets
    the disk (a developer's unprivileged run)."""

    def __init__(self, root: Path):
        self.root = root
        self.state = root / "state"
        self.mounted = os.geteuid() == 0 and _mount(
            "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(root)
        )
        self._patches = pytest.MonkeyPatch()

    def fill(self) -> None:
        if not self.mounted:
            self._fail(
                errno.ENOSPC,
                "apps.sandbox.paths._link_or_copy",
                "apps.sandbox.jail.boxes.write_box_file",
            )
            return
        with contextlib.suppress(OSError), open(self.root / "filler", "wb") as handle:
            while True:
                handle.write(b"\0" * 65536)

    def free(self) -> None:
        if self.mounted:
            (self.root / "filler").unlink()
        self._patches.undo()

    def read_only(self) -> None:
        if self.mounted:
            assert _mount("-o", "remount,ro", str(self.root))
            return
        self._fail(
            errno.EROFS,
            "apps.sandbox.paths.ensure_private_dir",
            "apps.sandbox.slots.ensure_private_dir",
        )

    def writable(self) -> None:
        if self.mounted:
            assert _mount("-o", "remount,rw", str(self.root))
        self._patches.undo()

    def _fail(self, code: int, *targets: str) -> None:
        def refuse(*args, **kwargs):
            raise OSError(code, os.strerror(code))

        for target in targets:
            self._patches.setattr(target, refuse)

    def close(self) -> None:
        self._patches.undo()
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.root)], capture_output=True, timeout=30)


def _forget_sandbox_state() -> None:
    """The sandbox remembers its state directory, its staged runtimes and its slot range for the
    life of the process: forget them so the next run looks again."""
    from apps.sandbox import paths, runtimes, slots
    from apps.sandbox.jail import command

    paths._STATE_DIR = None
    command.bwrap_binary.cache_clear()
    runtimes.NodeRuntime.layout.cache_clear()
    runtimes.PythonRuntime._interpreter.cache_clear()
    slots.slot_range.cache_clear()


@pytest.fixture
def state_disk(monkeypatch):
    # Not under pytest's tmp_path (mode 700): the jail's uids must be able to reach a state
    # directory, as they reach /var/lib/portal-sandbox.
    root = Path(tempfile.mkdtemp(prefix="portal-faults-disk-"))
    root.chmod(0o755)
    disk = StateDisk(root)
    monkeypatch.setenv("PORTAL_SANDBOX_STATE_DIR", str(disk.state))
    # Slot uids of their own: the slot locks live in this state directory, so uids shared with
    # the machine's real workers (another state directory, other locks) could collide.
    monkeypatch.setenv("PORTAL_SANDBOX_UID_BASE", "64900")
    monkeypatch.setenv("PORTAL_SANDBOX_SLOTS", "4")
    # bubblewrap is staged into the state directory, as on a host where it sits in a directory
    # the jail's uids cannot reach (the state directory then matters on every machine).
    monkeypatch.setattr("apps.sandbox.jail.command.reachable_by_jail", lambda path: False)
    _forget_sandbox_state()
    try:
        yield disk
    finally:
        disk.close()
        monkeypatch.undo()
        _forget_sandbox_state()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def queue(monkeypatch):
    """Grading tasks are recorded instead of published: the test runs them in this process."""
    from apps.exercises.tasks import grade_submission

    sent: list[int] = []
    monkeypatch.setattr(grade_submission, "publish", sent.append)
    monkeypatch.setattr(
        grade_submission,
        "delay_on_commit",
        lambda pk: sent.append(pk),
    )
    return sent


def grade_here(submission: Submission) -> Submission:
    """The worker's task, run in this process; a crash would raise here."""
    from apps.exercises.tasks import grade_submission

    grade_submission.apply(args=(submission.pk,)).get()
    submission.refresh_from_db()
    return submission


def _marker_code(marker: Path) -> str:
    # Outside the jail this would write the marker; inside it, the filesystem is read-only.
    return (
        f"require('fs').writeFileSync({str(marker)!r}, 'ran unconfined');\n"
        "module.exports = { add: (a, b) => a + b };\n"
    )


def _assert_retryable_sandbox_error(submission: Submission, reason: str) -> None:
    assert submission.state == Submission.State.ERROR, (submission.state, submission.message)
    assert submission.retryable, (submission.verdict, submission.message, submission.output)
    assert submission.verdict == "sandbox_error"
    assert reason in submission.message, submission.message
    assert not submission.results.exists(), "no test ran"


def test_a_full_sandbox_state_disk_is_a_retryable_sandbox_error_with_its_reason(
    state_disk, queue, learner, client, tmp_path
):
    from apps.exercises.services import submissions_sweep

    exercise = ExerciseFactory(language="javascript")
    marker = tmp_path / "ran-unconfined"
    client.force_login(learner)
    state_disk.fill()  # nothing staged yet: bubblewrap must be copied into a full disk
    from apps.sandbox import run

    jailed = run(language="javascript", code=_marker_code(marker))
    assert jailed.verdict == "sandbox_error", jailed
    assert "No space left on device" in jailed.stderr

    submission = grade_here(submit(client, exercise, _marker_code(marker)))
    _assert_retryable_sandbox_error(submission, "No space left on device")
    assert not marker.exists(), "the code ran outside the jail"
    page = client.get(f"{exercise.get_absolute_url()}?submission={submission.pk}")
    assert page.status_code == 200
    assert "No space left on device" in page.content.decode()
    assert reverse("exercises:retry", args=[submission.pk]) in page.content.decode()

    # Space comes back; nobody presses anything: the sweep retries the error, a worker grades it.
    state_disk.free()
    queue.clear()
    sweep = submissions_sweep(now=submission.finished_at + _after_error_patience())
    assert sweep.retried == [submission.pk] and queue == [submission.pk]
    submission = grade_here(submission)
    assert submission.state == Submission.State.ERROR, "its code is graded now, in the jail"
    assert not submission.retryable and submission.verdict == "ok", submission.message
    assert not marker.exists()


def test_a_read_only_sandbox_state_disk_is_a_retryable_sandbox_error_with_its_reason(
    state_disk, queue, learner, client, tmp_path
):
    from tests.faults.common import ADDS

    exercise = ExerciseFactory(language="javascript")
    client.force_login(learner)
    first = grade_here(submit(client, exercise, ADDS))
    assert first.state == Submission.State.PASSED, first.message  # staged, slots made

    state_disk.read_only()
    _forget_sandbox_state()  # a worker started now, or one that meets the disk afresh
    try:
        second = grade_here(submit(client, exercise, ADDS))
        _assert_retryable_sandbox_error(second, "Read-only file system")
    finally:
        state_disk.writable()

    # The learner's "Try again" (the sweep would do the same a little later) grades it.
    response = client.post(reverse("exercises:retry", args=[second.pk]))
    assert response.status_code == 302
    assert grade_here(second).state == Submission.State.PASSED


def _after_error_patience():
    from datetime import timedelta

    from django.conf import settings

    return timedelta(seconds=settings.EXERCISE_SWEEP_ERROR_AFTER_SECONDS + 1)


def test_a_full_disk_under_a_jail_built_ahead_falls_back_to_a_jail_in_memory(state_disk):
    """The worker keeps the next jail waiting with its /box on the state disk; when that disk
    fills up, the run still happens (in a jail of its own, files in memory), not an error."""
    from apps.sandbox import run, warm_jail

    warm_jail.start()
    try:
        assert run(language="javascript", code="console.log(1);\n").verdict == "ok"
        waiting = warm_jail.standby_pid
        assert waiting is not None
        state_disk.fill()
        used = warm_jail.runs_built_ahead
        result = run(language="javascript", code="console.log('still graded');\n")
        assert result.verdict == "ok", result
        assert result.stdout == "still graded\n"
        assert warm_jail.runs_built_ahead == used, "the waiting jail could not take the files"
        state_disk.free()
        assert run(language="javascript", code="console.log(2);\n").stdout == "2\n"
    finally:
        warm_jail.stop()
