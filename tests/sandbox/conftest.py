"""Fixtures for the sandbox tests: run code in the real jail, then check that nothing escaped."""

from __future__ import annotations

import os
import secrets

import pytest

from apps.sandbox import Limits, RunResult, run, slots, warm_jail
from apps.sandbox.slots import processes_of_uid

CANARY_VARIABLE = "PORTAL_SECRET_CANARY"

# Small limits keep the suite fast on a shared 2-core machine.
ATTACK_LIMITS = {"wall_seconds": 3, "cpu_seconds": 2}


@pytest.fixture
def canary(monkeypatch) -> str:
    """A secret planted in the worker's environment; it must never reach the jail."""
    value = "canary-" + secrets.token_hex(12)
    monkeypatch.setenv(CANARY_VARIABLE, value)
    return value


# uid -> processes still running as that uid when the run released its slot. Checked at release,
# while the run still holds the slot's lock: once released, another run (another engineer's test,
# a worker) may take the same uid at once, so a check after run() returns would race with it.
LEFTOVERS_AT_RELEASE: dict[int, list[int]] = {}


@pytest.fixture(autouse=True)
def record_leftovers_at_release(monkeypatch):
    release = slots.Slot.release

    def checking_release(self):
        if self.fd >= 0:
            LEFTOVERS_AT_RELEASE[self.uid] = processes_of_uid(self.uid)
        release(self)

    monkeypatch.setattr(slots.Slot, "release", checking_release)


def assert_contained(result: RunResult, canary: str) -> None:
    assert canary not in result.stdout, "the worker's environment leaked into stdout"
    assert canary not in result.stderr, "the worker's environment leaked into stderr"
    if result.jail_uid is not None and result.jail_uid != os.getuid():
        left = LEFTOVERS_AT_RELEASE.get(result.jail_uid)
        assert left == [], f"processes of the jail outlived the run: {left}"


# A harmless program per language: run first, with the attack's limits, so that the attack then
# runs in the jail built ahead for it.
PRIMERS = {"python": "print('ready')\n", "javascript": "console.log('ready');\n"}


@pytest.fixture(params=["cold", "built-ahead"])
def jail(request, canary):
    """jail(language, code, **limit_overrides) -> RunResult, checked for escapes. Every case runs
    twice: in a jail built for it, and in one built ahead and kept waiting, as the worker does."""
    ahead = request.param == "built-ahead"
    if ahead:
        warm_jail.start()
        request.addfinalizer(warm_jail.stop)

    def run_contained(language: str, code: str, **overrides) -> RunResult:
        limits = Limits.for_language(language, **{**ATTACK_LIMITS, **overrides})
        if ahead:
            primed = run(language=language, code=PRIMERS[language], limits=limits)
            assert primed.verdict == "ok", primed
            used = warm_jail.runs_built_ahead
        result = run(language=language, code=code, limits=limits)
        if ahead:
            assert warm_jail.runs_built_ahead == used + 1, (
                "the run did not use the jail built ahead"
            )
        assert result.verdict != "sandbox_error", result.stderr
        assert_contained(result, canary)
        return result

    return run_contained
