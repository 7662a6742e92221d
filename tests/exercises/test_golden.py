"""Golden files: the `manage.py grade` JSON contract (docs/grading.md), byte for byte.

Each folder under golden/ holds a submission and the `results.json` the command prints for it
(Exercism's test runners pin their output the same way): a pass, a fail that names a known
mistake, and an error (code that cannot load). The real command grades them in the real jail
against the stable test exercises of tests/factories.py (`ExerciseFactory`).

Nothing is stripped or normalised: the command prints no timings, paths or ids (the sandbox's
`run`, which holds the wall and CPU times, is not part of its output), so the bytes compared are
exactly what a script reading the command gets, final newline included.

After an intended change to the contract, rewrite the files with
`GOLDEN_UPDATE=1 pytest tests/exercises/test_golden.py` and review the diff.
"""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import ExerciseFactory

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(folder.name for folder in GOLDEN.iterdir() if folder.is_dir())
LANGUAGES = {".js": "javascript", ".py": "python"}


def test_every_case_has_a_submission_and_its_results():
    assert CASES == ["error", "fail", "pass"]
    for case in CASES:
        names = sorted(path.name for path in (GOLDEN / case).iterdir())
        assert names[0] == "results.json" and names[1].startswith("submission."), names


@pytest.mark.parametrize("case", CASES)
def test_grade_prints_the_golden_results(case):
    folder = GOLDEN / case
    submission = next(folder.glob("submission.*"))
    language = LANGUAGES[submission.suffix]
    exercise = ExerciseFactory(language=language)
    # Records the wrong solutions' fingerprints, so a fail can name its known mistake.
    call_command("check_exercises", exercise.slug, stdout=StringIO())
    out = StringIO()
    call_command("grade", exercise.slug, str(submission), stdout=out)
    printed = out.getvalue().encode()
    expected = folder / "results.json"
    if os.environ.get("GOLDEN_UPDATE"):
        expected.write_bytes(printed)
    assert printed == expected.read_bytes()
