"""Wrong solutions' fingerprints: the names of the tests each one fails, recorded by the check
that proved it (`check_exercises`, the admin's background check) on `Exercise.fingerprints`:

    {"<wrong file name>": {"key": "<hash of the tests and that file>", "fails": [test names],
                           "messages": {test name: digest of its failure message}}}

The key ties a fingerprint to the code it was measured on: when the tests or the wrong
solution change, the fingerprint no longer applies and is dropped (`fingerprints_pruned`), so a
learner is never told about a mistake measured against tests that no longer exist.
"""

from __future__ import annotations

import hashlib


def message_digest(message: str | None) -> str:
    """A short digest of a failing test's message, as fingerprints store it (coaching compares
    a submission's messages with these)."""
    return hashlib.sha1((message or "").strip().encode(), usedforsecurity=False).hexdigest()[:12]


def fingerprint_key(*, example_tests: str, hidden_tests: str, wrong_source: str) -> str:
    digest = hashlib.sha256()
    for part in (example_tests, hidden_tests, wrong_source):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def fingerprint_of(*, exercise, name: str, failing: dict[str, str]) -> dict:
    """The stored fingerprint of wrong solution `name` that fails the tests `failing` (test
    name -> failure message)."""
    key = fingerprint_key(
        example_tests=exercise.example_tests,
        hidden_tests=exercise.hidden_tests,
        wrong_source=(exercise.wrong_solutions or {}).get(name, ""),
    )
    return {
        "key": key,
        "fails": sorted(failing),
        "messages": {test: message_digest(message) for test, message in sorted(failing.items())},
    }


def fingerprints_measured(*, exercise, failing: dict[str, dict[str, str]]) -> dict:
    """`exercise.fingerprints` updated with what a check just measured: `failing` maps each
    wrong solution proven to fail to the names of the tests it failed. Entries the check did
    not measure are kept while they still match the code."""
    fingerprints = fingerprints_pruned(exercise=exercise)
    for name, tests in failing.items():
        fingerprints[name] = fingerprint_of(exercise=exercise, name=name, failing=tests)
    return dict(sorted(fingerprints.items()))


def fingerprints_pruned(*, exercise) -> dict:
    """`exercise.fingerprints` without the entries its current code no longer matches."""
    kept = {}
    for name, entry in (exercise.fingerprints or {}).items():
        source = (exercise.wrong_solutions or {}).get(name)
        if source is None or not isinstance(entry, dict):
            continue
        key = fingerprint_key(
            example_tests=exercise.example_tests,
            hidden_tests=exercise.hidden_tests,
            wrong_source=source,
        )
        if entry.get("key") == key:
            kept[name] = entry
    return kept
