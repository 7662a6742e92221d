"""Issue 2: lesson page requests/s against a bare HttpResponse('ok') view on the same gunicorn
(production settings, 2 sync workers). Goal: at least 0.5 of the floor."""

from bench.common import Table, bench_env, bench_var_dir, gunicorn, http_load, manage

ROUNDS = 4
SECONDS = 3.0


def run() -> list[Table]:
    with bench_var_dir() as var_dir:
        env = bench_env(var_dir)
        manage(env, "migrate", "--no-input")
        manage(env, "import_content")
        manage(env, "collectstatic", "--no-input")
        lesson = "/tracks/microservices-fundamentals/ms-general-concepts/"
        headers = {"Host": "127.0.0.1"}
        totals = {"ok": [], "lesson": []}
        with gunicorn(env) as port:
            http_load(port, [("GET", lesson, headers, None)], seconds=1.0)  # warm up
            for _ in range(ROUNDS):  # interleaved, so drift hits both sides alike
                for name, path in (("ok", "/ping/"), ("lesson", lesson)):
                    result = http_load(port, [("GET", path, headers, None)], seconds=SECONDS)
                    assert set(result["statuses"]) == {200}, result["statuses"]
                    totals[name].append(result)
    ok_rps = sum(r["rps"] for r in totals["ok"]) / ROUNDS
    lesson_rps = sum(r["rps"] for r in totals["lesson"]) / ROUNDS
    ratio = lesson_rps / ok_rps
    p50 = {name: sorted(r["p50_ms"] for r in rs)[ROUNDS // 2] for name, rs in totals.items()}
    return [
        Table(
            title="Lesson page vs HttpResponse('ok') floor (gunicorn, 2 sync workers, 4 clients)",
            columns=["endpoint", "requests/s", "p50 ms", "ratio to floor"],
            rows=[
                ["GET /ping/ (floor)", f"{ok_rps:.0f}", f"{p50['ok']:.1f}", "1.00"],
                [f"GET {lesson}", f"{lesson_rps:.0f}", f"{p50['lesson']:.1f}", f"{ratio:.2f}"],
            ],
            goal="lesson page >= 0.5 x floor",
            goal_met=ratio >= 0.5,
        )
    ]
