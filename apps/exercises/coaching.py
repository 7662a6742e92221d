"""Coaching rules with no database access: the help ladder's rating cap, the code of one hidden
test (the ladder's next-to-last rung) and naming a known mistake from a submission's failing
tests (its diagnosis). Services and selectors call these; tests pin them directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fsrs import Rating

from apps.content.fingerprints import message_digest
from apps.sandbox.languages import PYTHON

RATING_RULE = (
    "Help lowers the review this exercise records. A pass with no help counts as Easy on your "
    "first try and Good later; after one hint, at most Good; after more hints, Hard; after "
    "seeing a failing test's code or the solution, Again. A failed run always counts as Again."
)


def review_rating(
    *, passed: bool, first_try: bool, hints_taken: int, saw_test_or_solution: bool
) -> Rating:
    """The review a graded submission records, given the help taken before it."""
    if not passed or saw_test_or_solution:
        return Rating.Again
    if hints_taken >= 2:
        return Rating.Hard
    if hints_taken == 1:
        return Rating.Good
    return Rating.Easy if first_try else Rating.Good


# The code of one test ------------------------------------------------------------------------

_INDENT = re.compile(r"^[ \t]*")


def test_source(*, tests: str, language: str, name: str) -> str | None:
    """The source of the test called `name` in `tests` (a hidden test file), or None when it
    cannot be found. Tests follow docs/exercise-format.md: `test('name', ...)` blocks in
    JavaScript, `@test("name")` decorated functions in Python."""
    lines = tests.splitlines()
    start = next(
        (
            index
            for index, line in enumerate(lines)
            if "test(" in line
            and (f"'{name}'" in line or f'"{name}"' in line or f"`{name}`" in line)
        ),
        None,
    )
    if start is None:
        return None
    indent = len(_INDENT.match(lines[start]).group())
    end = start + 1
    if language == PYTHON.key:
        while end < len(lines) and lines[end].lstrip().startswith(("@", "def ")):
            end += 1
    while end < len(lines):
        line = lines[end]
        if line.strip() and len(_INDENT.match(line).group()) <= indent:
            if language != PYTHON.key and line.strip().startswith(("}", ")")):
                end += 1
            break
        end += 1
    body = lines[start:end]
    while body and not body[-1].strip():
        body.pop()
    return "\n".join(line[indent:] if len(line) >= indent else line for line in body) + "\n"


# Diagnosis -----------------------------------------------------------------------------------

# A submission's failing tests name a known mistake only when they look like that wrong
# solution's fingerprint: Jaccard similarity (shared failing tests over all failing tests of
# either) at least DIAGNOSIS_MIN_SIMILARITY, better than every other fingerprint, and the tests
# both fail, fail the same way: at least DIAGNOSIS_MIN_SAME_MESSAGES of them with the very same
# message (different bugs often fail the same tests, e.g. every wrong delay fails the delay
# tests, but with different numbers in the message). Withheld: a tie (two mistakes fit
# equally), a submission that fails every test (a syntax error looks like anything), and
# fingerprints that fail every test (they distinguish nothing). Measured on
# tests/exercises/diagnosis_cases (docs/coaching.md).
DIAGNOSIS_MIN_SIMILARITY = 0.8
DIAGNOSIS_MIN_SAME_MESSAGES = 0.5


@dataclass(frozen=True)
class Diagnosis:
    mistake: str  # the wrong solution's file name
    similarity: float


def diagnose(*, failing: dict[str, str], total: int, fingerprints: dict) -> Diagnosis | None:
    """The known mistake whose fingerprint fits `failing` (the name -> message of each test a
    submission failed, out of `total` tests), or None when none fits well enough or two fit
    equally."""
    if not failing or len(failing) >= total:
        return None
    names = set(failing)
    scores: list[tuple[float, str]] = []
    for name, entry in fingerprints.items():
        fails = set(entry.get("fails") or ()) if isinstance(entry, dict) else set()
        if not fails or len(fails) >= total:
            continue
        scores.append((len(names & fails) / len(names | fails), name))
    if not scores:
        return None
    scores.sort(reverse=True)
    best, name = scores[0]
    if best < DIAGNOSIS_MIN_SIMILARITY:
        return None
    if len(scores) > 1 and scores[1][0] == best:
        return None
    digests = fingerprints[name].get("messages") or {}
    shared = names & set(digests)
    same = sum(digests[test] == message_digest(failing[test]) for test in shared)
    if not shared or same < DIAGNOSIS_MIN_SAME_MESSAGES * len(shared):
        return None
    return Diagnosis(mistake=name, similarity=best)
