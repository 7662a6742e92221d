"""`manage.py measure_diagnosis [DIR] [--json]`: how often a diagnosis appears, and how often it
is right, on wrong solutions written for the purpose and kept out of the exercises' wrong/
folders (tests/exercises/diagnosis_cases/<exercise>/<case>.<ext>).

Each case's first line says which known mistake it makes, or that it makes none:

    # Diagnosis case: jitter-drawn-once.py (one random factor, drawn before the loop)
    // Diagnosis case: none (passes only the first argument: not catalogued)

Every case is graded in the jail like a submission and matched against the fingerprints that
`check_exercises` recorded (run it first). Counted: cases that fail (a case that passes proves
nothing), diagnoses shown, right ones (the labelled mistake), wrong ones (another mistake, or
one shown for a "none" case), and labelled cases left undiagnosed.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.content.models import Exercise
from apps.exercises.coaching import diagnose
from apps.exercises.proving import exercise_grade
from apps.sandbox.results import Status

LABEL = re.compile(r"Diagnosis case:\s*([A-Za-z0-9_.-]+)")
DEFAULT_DIR = Path(settings.BASE_DIR) / "tests" / "exercises" / "diagnosis_cases"


@dataclass
class CaseOutcome:
    exercise: str
    case: str
    expected: str  # a wrong solution's file name, or "none"
    failed: bool  # the case failed the tests (a passing case proves nothing)
    diagnosed: str  # the mistake named, or ""
    error: str = ""

    @property
    def verdict(self) -> str:
        if self.error:
            return "jail error"
        if not self.failed:
            return "passed (not counted)"
        if not self.diagnosed:
            return "withheld" if self.expected != "none" else "right (none shown)"
        return "right" if self.diagnosed == self.expected else "WRONG"


def cases_in(root: Path, exercises: dict[str, Exercise]) -> list[tuple[Exercise, Path, str]]:
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        exercise = exercises.get(folder.name)
        if exercise is None:
            raise CommandError(f"{folder}: no live exercise {folder.name!r} in the database")
        for path in sorted(folder.glob(f"*.{exercise.extension}")):
            match = LABEL.search(path.read_text().splitlines()[0])
            if not match:
                raise CommandError(f"{path}: the first line must say 'Diagnosis case: <file>|none'")
            label = match.group(1)
            if label != "none" and label not in (exercise.wrong_solutions or {}):
                raise CommandError(f"{path}: {label!r} is not a wrong solution of {folder.name}")
            found.append((exercise, path, label))
    return found


def measure_case(exercise: Exercise, path: Path, expected: str) -> CaseOutcome:
    result = exercise_grade(exercise=exercise, code=path.read_text())
    outcome = CaseOutcome(exercise.slug, path.name, expected, False, "")
    if result.unavailable_reason is not None:
        outcome.error = (result.message or "")[:200]
        return outcome
    outcome.failed = result.status != Status.PASS
    if outcome.failed:
        found = diagnose(
            failing=result.failing, total=len(result.tests), fingerprints=exercise.fingerprints
        )
        outcome.diagnosed = found.mistake if found else ""
    return outcome


def summary_of(outcomes: list[CaseOutcome]) -> dict:
    counted = [o for o in outcomes if o.failed and not o.error]
    shown = [o for o in counted if o.diagnosed]
    right = [o for o in shown if o.diagnosed == o.expected]
    labelled = [o for o in counted if o.expected != "none"]
    return {
        "cases": len(outcomes),
        "counted": len(counted),
        "labelled": len(labelled),
        "none_cases": len(counted) - len(labelled),
        "shown": len(shown),
        "right": len(right),
        "wrong": len(shown) - len(right),
        "appears": len(shown) / len(counted) if counted else 0.0,
        "precision": len(right) / len(shown) if shown else 1.0,
        "recall": len(right) / len(labelled) if labelled else 0.0,
    }


class Command(BaseCommand):
    help = "Measure the diagnosis (appears, right) on the labelled cases in the jail."

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=str(DEFAULT_DIR))
        parser.add_argument("--jobs", type=int, default=2)
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print one JSON object"
        )

    def handle(self, *args, directory: str, jobs: int, as_json: bool, **options):
        exercises = {e.slug: e for e in Exercise.objects.live()}
        cases = cases_in(Path(directory), exercises)
        if not any(exercises[slug].fingerprints for slug in {c[0].slug for c in cases}):
            raise CommandError("no fingerprints recorded: run `manage.py check_exercises` first")
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            outcomes = list(pool.map(lambda case: measure_case(*case), cases))
        summary = summary_of(outcomes)
        if as_json:
            self._json(outcomes, summary)
            return
        for o in outcomes:
            named = o.diagnosed or "-"
            self.stdout.write(
                f"{o.exercise:<24} {o.case:<32} expected {o.expected:<36} "
                f"shown {named:<36} {o.verdict}"
            )
        self.stdout.write(
            f"{summary['counted']} failing case(s) ({summary['labelled']} labelled with a known "
            f"mistake, {summary['none_cases']} with none): a diagnosis appears for "
            f"{summary['shown']} ({summary['appears']:.0%}), right {summary['right']} "
            f"(precision {summary['precision']:.0%}), wrong {summary['wrong']}; "
            f"known mistakes named: {summary['recall']:.0%}"
        )

    def _json(self, outcomes, summary) -> None:
        data = {"summary": summary, "cases": [asdict(o) | {"verdict": o.verdict} for o in outcomes]}
        self.stdout.write(json.dumps(data))
