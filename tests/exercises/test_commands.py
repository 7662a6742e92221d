"""The command-line contracts (docs/grading.md): sandbox_run, grade and check_exercises print
what scripts parse, with the exit statuses they rely on. They run the real jail."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.exercise_sources import JS, PY
from tests.factories import ExerciseFactory

pytestmark = pytest.mark.sandbox

REPO = Path(__file__).resolve().parents[2]
RUN_FIELDS = {"verdict", "exit_code", "stdout", "stderr", "wall_ms", "cpu_ms", "truncated"}


def manage(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def command_json(*args) -> dict:
    out = StringIO()
    call_command(*args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1, "exactly one JSON object on stdout"
    return json.loads(lines[0])


@pytest.mark.parametrize(
    ("language", "code", "verdict", "stdout"),
    [
        ("python", "import sys\nprint('hi')\nprint('oops', file=sys.stderr)\n", "ok", "hi\n"),
        ("javascript", "console.log('hi');\n", "ok", "hi\n"),
        ("python", "raise SystemExit(3)\n", "runtime_error", ""),
        ("javascript", "for (;;) {}\n", "time_limit", ""),
    ],
)
def test_sandbox_run_prints_one_json_object_and_exits_0_on_any_verdict(
    tmp_path, language, code, verdict, stdout
):
    source = tmp_path / ("prog.py" if language == "python" else "prog.js")
    source.write_text(code)
    done = manage("sandbox_run", "--language", language, str(source))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) == RUN_FIELDS
    assert result["verdict"] == verdict, result
    assert result["stdout"] == stdout
    assert isinstance(result["wall_ms"], int) and isinstance(result["cpu_ms"], int)
    assert result["truncated"] is False


def test_sandbox_run_cannot_see_the_portal(tmp_path):
    source = tmp_path / "peek.py"
    source.write_text(
        "import os\n"
        f"print(os.path.exists({str(settings.BASE_DIR / 'portal' / 'settings.py')!r}))\n"
        "print(sorted(os.environ))\n"
    )
    result = json.loads(manage("sandbox_run", "--language", "python", str(source)).stdout)
    assert result["verdict"] == "ok"
    assert result["stdout"].splitlines()[0] == "False"
    assert "SECRET_KEY" not in result["stdout"] and "DJANGO_SETTINGS_MODULE" not in result["stdout"]


def test_sandbox_run_usage_errors_are_non_zero(tmp_path):
    assert manage("sandbox_run", "--language", "ruby", "x.rb").returncode != 0
    missing = manage("sandbox_run", "--language", "python", str(tmp_path / "missing.py"))
    assert missing.returncode != 0 and "no such file" in missing.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["javascript", "python"])
def test_grade_prints_exercism_shaped_results(tmp_path, language):
    exercise = ExerciseFactory(language=language)
    sources = JS if language == "javascript" else PY
    solution = tmp_path / f"solution.{exercise.extension}"
    solution.write_text(sources["solution"])
    result = command_json("grade", exercise.slug, str(solution))
    assert set(result) == {"status", "message", "tests"}
    assert result["status"] == "pass"
    assert [t["name"] for t in result["tests"]] == [
        "adds two small numbers", "adds negative numbers", "adding zero changes nothing",
    ]  # fmt: skip
    for test in result["tests"]:
        assert set(test) == {"name", "status", "message", "output"}
        assert test["status"] == "pass"

    wrong_name = next(iter(sources["wrong"]))
    wrong = tmp_path / wrong_name
    wrong.write_text(sources["wrong"][wrong_name])
    result = command_json("grade", exercise.slug, str(wrong))
    assert result["status"] == "fail"
    failed = [t for t in result["tests"] if t["status"] == "fail"]
    assert failed and all(t["message"] for t in failed)


@pytest.mark.django_db
def test_grade_reports_code_that_cannot_load_as_failing_tests_or_an_error(tmp_path):
    exercise = ExerciseFactory(language="python")
    broken = tmp_path / "broken.py"
    broken.write_text("def add(a, b)\n    return a + b\n")
    result = command_json("grade", exercise.slug, str(broken))
    assert result["status"] in {"fail", "error"}
    assert "SyntaxError" in json.dumps(result)


@pytest.mark.django_db
def test_grade_an_unknown_exercise_is_a_clear_error(tmp_path):
    source = tmp_path / "x.js"
    source.write_text("1")
    with pytest.raises(CommandError, match="no exercise 'nope'.*import_content"):
        call_command("grade", "nope", str(source))


@pytest.mark.django_db
def test_check_exercises_proves_references_pass_and_wrong_solutions_fail():
    ExerciseFactory(language="javascript")
    ExerciseFactory(language="python")
    out = StringIO()
    call_command("check_exercises", "--no-color", stdout=out)
    text = out.getvalue()
    assert "add-javascript" in text and "add-python" in text
    lines = [line for line in text.splitlines() if line.startswith("  ")]
    assert len(lines) == 6, "one line per file"
    assert all(line.split()[0] == "ok" for line in lines)
    assert "solution.py" in text and "wrong/exits-early.py" in text
    assert "wrong/prints-pass.js" in text, "a faked 'all passed' on stdout must fail"
    assert "0 surprise(s)" in text


@pytest.mark.django_db
def test_check_exercises_fails_on_a_wrong_solution_that_passes_or_a_broken_reference():
    ExerciseFactory(
        language="python",
        wrong_solutions={"not-really-wrong.py": "def add(a, b):\n    return b + a\n"},
        solution_code="def add(a, b):\n    return a * b\n",
    )
    out = StringIO()
    with pytest.raises(CommandError, match="2 surprise"):
        call_command("check_exercises", "--no-color", stdout=out)
    text = out.getvalue()
    assert "SURPRISE solution.py" in " ".join(text.split())
    assert "but it is a wrong solution" in text
    assert "the reference does not pass" in text


@pytest.mark.django_db
def test_check_exercises_proves_alternatives_pass_and_reports_one_that_does_not():
    ExerciseFactory(
        language="python",
        alternative_solutions={
            "operator-add.py": "import operator\n\nadd = operator.add\n",
            "off-by-one.py": "def add(a, b):\n    return a + b + 1\n",
        },
    )
    out = StringIO()
    with pytest.raises(CommandError, match="1 surprise"):
        call_command("check_exercises", "--no-color", stdout=out)
    lines = {line.split()[1]: line for line in out.getvalue().splitlines() if line.startswith("  ")}
    assert lines["alternatives/operator-add.py"].split()[0] == "ok"
    assert lines["alternatives/off-by-one.py"].split()[0] == "SURPRISE"
    assert "this alternative does not pass" in lines["alternatives/off-by-one.py"]


@pytest.mark.django_db
def test_check_exercises_without_exercises_says_what_to_do():
    with pytest.raises(CommandError, match="import_content"):
        call_command("check_exercises")


@pytest.mark.django_db
def test_the_catalogue_in_content_passes_check_exercises(course):
    """What `make test` relies on: every exercise under content/exercises/ is proven."""
    out = StringIO()
    call_command("check_exercises", "--no-color", stdout=out)
    assert "0 surprise(s)" in out.getvalue()


@pytest.mark.django_db
def test_grade_adds_a_diagnosis_when_a_known_mistake_fits_and_changes_nothing_else(tmp_path):
    """The golden contract: with a diagnosis the output is the same JSON plus `diagnosis`;
    without one (a pass, or nothing fits) there is no such key."""
    ExerciseFactory(language="python")
    call_command("check_exercises", "add-python", stdout=StringIO())  # records fingerprints
    subtracts = tmp_path / "subtracts.py"
    subtracts.write_text("def add(a, b):\n    return -(b - a)\n")  # the same mistake, reshaped
    assert command_json("grade", "add-python", str(subtracts)) == {
        "status": "fail",
        "message": "2 of 3 tests did not pass, starting with 'adds two small numbers'.",
        "tests": [
            {"name": "adds two small numbers", "status": "fail",
             "message": "add(1, 2) should be 3", "output": None},
            {"name": "adds negative numbers", "status": "fail",
             "message": "add(-2, -3) should be -5", "output": None},
            {"name": "adding zero changes nothing", "status": "pass", "message": None,
             "output": "checking zero\n"},
        ],
        "diagnosis": {
            "mistake": "subtracts.py",
            "title": "Subtracts instead of adding",
            "explanation": "Taking one number away from the other is not their total.",
        },
    }  # fmt: skip
    solution = tmp_path / "solution.py"
    solution.write_text(PY["solution"])
    assert "diagnosis" not in command_json("grade", "add-python", str(solution))
    other = tmp_path / "other.py"  # fails another set of tests: no known mistake fits
    other.write_text("def add(a, b):\n    return a + b if a > 0 else 0\n")
    result = command_json("grade", "add-python", str(other))
    assert result["status"] == "fail" and set(result) == {"status", "message", "tests"}


@pytest.mark.django_db
def test_the_diagnosis_is_right_whenever_it_appears_on_the_labelled_cases(course):
    """Precision, pinned on tests/exercises/diagnosis_cases (wrong solutions written for the
    purpose, kept out of wrong/): a diagnosis that appears names the mistake the case makes."""
    cases = Path(__file__).parent / "diagnosis_cases"
    slugs = sorted(p.name for p in cases.iterdir() if p.is_dir())
    call_command("check_exercises", *slugs, stdout=StringIO())
    data = command_json("measure_diagnosis", str(cases), "--json")
    summary = data["summary"]
    wrong = [c for c in data["cases"] if c["verdict"] == "WRONG"]
    assert summary["wrong"] == 0, wrong
    assert summary["counted"] == summary["cases"], "every case fails the tests"
    assert summary["recall"] >= 0.8, "most labelled mistakes are named"


@pytest.mark.django_db
def test_check_exercises_records_each_wrong_solutions_fingerprint():
    from apps.content.fingerprints import fingerprints_pruned

    exercise = ExerciseFactory(language="python")
    call_command("check_exercises", "add-python", stdout=StringIO())
    exercise.refresh_from_db()
    assert set(exercise.fingerprints) == {"subtracts.py", "exits-early.py"}
    assert exercise.fingerprints["subtracts.py"]["fails"] == [
        "adds negative numbers", "adds two small numbers",
    ]  # fmt: skip
    # Edited tests make the fingerprints stale: they no longer apply.
    exercise.hidden_tests += "\n"
    assert fingerprints_pruned(exercise=exercise) == {}


@pytest.mark.django_db
def test_a_worker_fills_the_fingerprints_a_fresh_database_lacks():
    from apps.exercises import proving

    exercise = ExerciseFactory(language="javascript")
    assert proving.exercises_missing_fingerprints() == [exercise.pk]
    assert proving.exercise_fingerprints_fill(exercise_id=exercise.pk) == 2
    assert proving.exercises_missing_fingerprints() == []
    assert proving.exercise_fingerprints_fill(exercise_id=exercise.pk) == 0  # nothing to redo


@pytest.mark.django_db
def test_a_starting_worker_queues_the_missing_fingerprints_unless_told_not_to(
    settings, monkeypatch
):
    from apps.content import tasks

    exercise = ExerciseFactory(language="javascript")
    queued = []
    monkeypatch.setattr(
        tasks.exercise_fingerprints_fill, "apply_async", lambda args, **kw: queued.append(args)
    )
    settings.EXERCISE_FINGERPRINTS_ON_START = False
    tasks.fingerprints_fill_missing()
    assert queued == [], "the integration tests' and the benchmark's workers leave them alone"
    settings.EXERCISE_FINGERPRINTS_ON_START = True
    tasks.fingerprints_fill_missing()
    assert queued == [(exercise.pk,)]
