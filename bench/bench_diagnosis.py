"""Issue 17: what naming the mistake costs when a verdict is recorded.

`submission_record_result` (the pipeline's "claimed -> verdict written" stage without the
grading: the verdict UPDATE, one TestResult row per test, the card's review) on the catalogue's
largest exercise (js-order-processing: 20 tests, 14 wrong solutions), with a failing result
whose failing tests match one fingerprint (the whole rule runs: similarity against every
fingerprint, then the message digests), against the same write with no fingerprints (the
diagnosis skipped): before and after, interleaved, in a child process on a fresh SQLite
database. Goal: at most 2 ms more. The diagnosis itself (`diagnose()`) is timed on its own.
"""

from __future__ import annotations

import json
import subprocess

from bench.common import PYTHON, REPO, Table, bench_env, bench_var_dir, manage

EXERCISE = "js-order-processing"
ROUNDS = 300


def run() -> list[Table]:
    with bench_var_dir() as var_dir:
        env = bench_env(var_dir)
        manage(env, "migrate", "--no-input")
        manage(env, "import_content")
        code = "import django; django.setup(); from bench.bench_diagnosis import _child; _child()"
        done = subprocess.run(
            [PYTHON, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=900
        )
        if done.returncode:
            raise RuntimeError(f"diagnosis benchmark failed:\n{done.stdout}\n{done.stderr[-4000:]}")
        data = json.loads(done.stdout.strip().splitlines()[-1])
    before, after = data["before_ms"], data["after_ms"]
    diff = _p50(after) - _p50(before)
    return [
        Table(
            title=f"Recording a failed verdict ({EXERCISE}, {data['tests']} tests, "
            f"{data['fingerprints']} fingerprints; {ROUNDS} rounds each, interleaved)",
            columns=["stage", "p50 ms", "p90 ms"],
            rows=[
                [
                    "verdict recorded, no fingerprints (before)",
                    f"{_p50(before):.2f}",
                    f"{_pct(before, 90):.2f}",
                ],
                [
                    "verdict recorded, diagnosis named (after)",
                    f"{_p50(after):.2f}",
                    f"{_pct(after, 90):.2f}",
                ],
                ["the diagnosis's cost (p50 difference)", f"{diff:.2f}", ""],
                ["diagnose() alone", f"{data['diagnose_us'] / 1000:.3f}", ""],
            ],  # fmt: skip
            goal="diagnosis adds <= 2 ms to recording a verdict",
            goal_met=diff <= 2.0,
            notes=[
                f"named in every 'after' round: {data['named']}/{ROUNDS}; queries per "
                f"recording, before {data['queries_before']}, after {data['queries_after']}"
            ],
        )
    ]


def _p50(values: list[float]) -> float:
    return _pct(values, 50)


def _pct(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, len(ordered) * pct // 100)]


def _child() -> None:
    import random
    import re
    import time
    import timeit

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.services import user_create
    from apps.content.fingerprints import fingerprint_of
    from apps.content.models import Exercise
    from apps.exercises import services
    from apps.exercises.coaching import diagnose
    from apps.exercises.models import Submission
    from apps.sandbox.results import GradeResult, RunResult, Status, TestResult, Verdict

    exercise = Exercise.objects.get(slug=EXERCISE)
    names = re.findall(r"test\(\s*'((?:[^'\\]|\\.)*)'", exercise.example_tests)
    names += re.findall(r"test\(\s*'((?:[^'\\]|\\.)*)'", exercise.hidden_tests)
    rng = random.Random(17)
    fingerprints = {
        wrong: fingerprint_of(
            exercise=exercise,
            name=wrong,
            failing={n: f"{wrong}: {n} failed" for n in rng.sample(names, rng.randint(1, 6))},
        )
        for wrong in sorted(exercise.wrong_solutions)
    }
    target = next(iter(fingerprints))
    failing = set(fingerprints[target]["fails"])
    tests = [
        {"name": n, "status": "fail" if n in failing else "pass", "file": "tests.js",
         "message": f"{target}: {n} failed" if n in failing else "", "output": ""}
        for n in names
    ]  # fmt: skip
    result = GradeResult(
        Status.FAIL,
        "failed",
        [TestResult(**test) for test in tests],
        RunResult(Verdict.OK, 0, "", "", wall_ms=80, cpu_ms=60, truncated=False),
    )
    card_id = exercise.card_links.order_by("position").values_list("card_id", flat=True)[0]
    user = user_create(username="bench", password="bench-password-123", display_name="Bench")

    def record(fps: dict) -> tuple[float, str, int]:
        submission = Submission.objects.create(
            user=user, exercise=exercise, code="x", state=Submission.State.RUNNING, attempts=1
        )
        claim = services.Claim(
            submission_id=submission.pk, attempt=1, language=exercise.language, code="x",
            tests={}, limits={}, card_id=card_id, fingerprints=fps,
        )  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            services.submission_record_result(claim=claim, result=result)
            elapsed = (time.perf_counter() - started) * 1000
        mistake = Submission.objects.filter(pk=submission.pk).values_list("mistake", flat=True)[0]
        return elapsed, mistake, len(queries)

    for _ in range(20):  # warm up both paths
        record({})
        record(fingerprints)
    before, after, named = [], [], 0
    queries = {}
    for _ in range(ROUNDS):
        ms, _mistake, queries["before"] = record({})
        before.append(ms)
        ms, mistake, queries["after"] = record(fingerprints)
        after.append(ms)
        named += mistake == target
    failing_messages = {t["name"]: t["message"] for t in tests if t["status"] != "pass"}
    loops = 2000
    seconds = timeit.timeit(
        lambda: diagnose(failing=failing_messages, total=len(tests), fingerprints=fingerprints),
        number=loops,
    )
    print(
        json.dumps(
            {
                "before_ms": before,
                "after_ms": after,
                "named": named,
                "tests": len(tests),
                "fingerprints": len(fingerprints),
                "diagnose_us": seconds / loops * 1e6,
                "queries_before": queries["before"],
                "queries_after": queries["after"],
            }
        )
    )
