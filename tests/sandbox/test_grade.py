"""grade() end to end in the real jail, with tiny inline test files in both languages."""

from __future__ import annotations

import pytest

from apps.sandbox import GradeResult, Limits, grade

from .conftest import assert_contained

pytestmark = pytest.mark.sandbox

JS_TESTS = """
module.exports = ({ test, assert, clock, load }) => {
  test('adds two numbers', () => {
    assert.equal(load().add(2, 3), 5, 'add(2, 3) should be 5');
  });
  test('waits with the global timers', async () => {
    const result = load().later(1000, 'done');
    let settled = false;
    result.then(() => { settled = true; });
    await clock.tickAsync(999);
    assert.equal(settled, false, 'must not resolve before 1000 ms');
    await clock.tickAsync(1);
    assert.equal(await result, 'done', 'resolves with the value after 1000 ms');
    assert.equal(clock.pending(), 0, 'no timer left');
  });
  test('sees virtual time from 2024-01-01', () => {
    assert.equal(new Date().toISOString(), '2024-01-01T00:00:00.000Z', 'Date is faked');
    assert.equal(Date.now(), clock.now(), 'Date.now follows the clock');
  });
};
"""

JS_GOOD = """
exports.add = (a, b) => a + b;
exports.later = (ms, value) => new Promise((resolve) => setTimeout(() => resolve(value), ms));
"""

PY_TESTS = """
from harness import load, test


@test("adds two numbers")
def _():
    assert load().add(2, 3) == 5, "add(2, 3) should be 5"


@test("rejects strings")
def _():
    try:
        load().add("2", 3)
    except TypeError:
        return
    raise AssertionError("add('2', 3) should raise TypeError")
"""

PY_GOOD = """
def add(a, b):
    if not all(isinstance(x, int) for x in (a, b)):
        raise TypeError("numbers only")
    return a + b
"""


def graded(language: str, code: str, tests: dict[str, str], canary: str, **limits) -> GradeResult:
    overrides = {"wall_seconds": 5, "cpu_seconds": 3, **limits}
    outcome = grade(
        language=language,
        code=code,
        tests=tests,
        limits=Limits.for_language(language, **overrides),
    )
    assert_contained(outcome.run, canary)
    return outcome


def statuses(outcome: GradeResult) -> list[str]:
    return [test.status for test in outcome.tests]


def test_js_pass(canary):
    outcome = graded("javascript", JS_GOOD, {"tests.js": JS_TESTS}, canary)
    assert outcome.status == "pass", outcome.to_dict()
    assert outcome.message == "All 3 tests passed."
    assert outcome.tests[0].file == "tests.js"
    as_dict = outcome.to_dict()
    assert [test["name"] for test in as_dict["tests"]][0] == "adds two numbers"
    assert as_dict["run"]["verdict"] == "ok"


def test_js_fail_with_the_authors_message(canary):
    code = JS_GOOD.replace("a + b", "a - b")
    outcome = graded("javascript", code, {"tests.js": JS_TESTS}, canary)
    assert outcome.status == "fail"
    assert statuses(outcome) == ["fail", "pass", "pass"]
    assert outcome.tests[0].message.startswith("add(2, 3) should be 5")
    assert "'adds two numbers'" in outcome.message


def test_js_example_and_hidden_files_are_both_planned(canary):
    example = "module.exports = ({ test, assert, load }) => {\n  test('example', () => {});\n};\n"
    tests = {"example_test.js": example, "tests.js": JS_TESTS}
    outcome = graded("javascript", JS_GOOD, tests, canary)
    assert [test.file for test in outcome.tests] == ["example_test.js"] + ["tests.js"] * 3
    assert outcome.status == "pass"


def test_js_syntax_error_is_error(canary):
    outcome = graded("javascript", "exports.add = (a, b) => {", {"tests.js": JS_TESTS}, canary)
    assert outcome.status == "error"
    assert outcome.message.startswith("Your code could not be loaded: SyntaxError")
    # The third test never calls load(), so it still runs and passes.
    assert statuses(outcome) == ["error", "error", "pass"]


def test_js_throwing_non_errors_fails_with_a_description(canary):
    code = "exports.add = () => { throw { code: 42 }; };\nexports.later = () => { throw null; };"
    outcome = graded("javascript", code, {"tests.js": JS_TESTS}, canary)
    assert outcome.status == "fail"
    assert "{ code: 42 }" in outcome.tests[0].message
    assert "null was thrown" in outcome.tests[1].message


def test_js_a_test_that_never_settles_times_out_alone(canary):
    code = JS_GOOD.replace("setTimeout(() => resolve(value), ms)", "undefined")
    outcome = graded("javascript", code, {"tests.js": JS_TESTS}, canary, test_timeout_seconds=0.5)
    assert statuses(outcome) == ["pass", "error", "pass"]
    assert "did not finish within 0.5 s" in outcome.tests[1].message
    assert outcome.status == "fail"


def test_js_exit_inside_a_test_is_caught(canary):
    code = "exports.add = () => process.exit(0);\nexports.later = () => 1;"
    outcome = graded("javascript", code, {"tests.js": JS_TESTS}, canary)
    assert outcome.tests[0].status == "error"
    assert "process.exit(0)" in outcome.tests[0].message
    assert len(outcome.tests) == 3


def test_js_endless_loop_in_a_test_hits_the_wall_limit(canary):
    code = "exports.add = (a, b) => a + b;\nexports.later = () => { for (;;) {} };"
    outcome = graded("javascript", code, {"tests.js": JS_TESTS}, canary, wall_seconds=2)
    assert outcome.run.verdict == "time_limit"
    assert statuses(outcome) == ["pass", "error", "error"]
    assert outcome.status == "fail"
    assert outcome.message.startswith(
        "Your code ran out of time (limit 2 s) during 'waits with the global timers'"
    )
    assert outcome.tests[2].message.startswith("Not run")


def test_js_heap_exhaustion_in_a_test_is_memory_limit(canary):
    code = "exports.add = () => { const a = []; for (;;) a.push(new Array(1e5).fill(1)); };"
    outcome = graded("javascript", code, {"tests.js": JS_TESTS}, canary, memory_mb=64)
    assert outcome.run.verdict == "memory_limit"
    assert outcome.status == "error"
    assert "ran out of memory (limit 64 MB)" in outcome.tests[0].message


def test_js_per_test_output_is_captured_and_truncated(canary):
    tests = """
module.exports = ({ test }) => {
  test('quiet', () => {});
  test('chatty', () => {
    console.log('hello', { a: 1 });
    process.stdout.write('x'.repeat(10000));
  });
};
"""
    outcome = graded("javascript", "", {"tests.js": tests}, canary)
    assert outcome.tests[0].output is None
    chatty = outcome.tests[1].output
    assert chatty.startswith("hello { a: 1 }\n")
    assert "output truncated (" in chatty
    assert len(chatty) < 4200
    assert outcome.run.stdout == "", "captured output does not reach stdout"


def test_js_fake_clock_is_fresh_per_test_and_drains_promises(canary):
    tests = """
module.exports = ({ test, assert, clock }) => {
  let saved;
  test('leaves a timer behind', async () => {
    saved = setTimeout;
    setTimeout(() => { throw new Error('leftover timer fired'); }, 10);
    await clock.tickAsync(5);
    assert.equal(clock.now(), Date.UTC(2024, 0, 1) + 5);
  });
  test('starts over', async () => {
    assert.equal(clock.pending(), 0, 'timers of the previous test are gone');
    assert.equal(clock.now(), Date.UTC(2024, 0, 1), 'time starts over');
    let fired = false;
    saved(() => { fired = true; }, 1);  // a reference kept from the previous test
    await clock.tickAsync(1);
    assert.ok(fired, 'an old reference talks to the current clock');
  });
  test('many awaits between timers', async () => {
    const steps = [];
    (async () => {
      for (let i = 0; i < 3; i += 1) {
        await new Promise((r) => setTimeout(r, 100));
        for (let j = 0; j < 50; j += 1) await null;
        steps.push(Date.now() - Date.UTC(2024, 0, 1));
      }
    })();
    await clock.tickAsync(300);
    assert.deepEqual(steps, [100, 200, 300]);
  });
  test('runAllAsync is bounded', async () => {
    setInterval(() => {}, 10);
    await assert.rejects(clock.runAllAsync(), /gave up after/);
  });
  test('real Date is back outside the clock', async () => {
    await clock.flush();
    assert.ok(new Date() instanceof Date);
  });
};
"""
    outcome = graded("javascript", "", {"tests.js": tests}, canary)
    assert outcome.status == "pass", [(t.name, t.message) for t in outcome.tests]


def test_js_a_broken_test_file_is_error_naming_it(canary):
    tests = {"tests.js": "module.exports = 42;"}
    outcome = graded("javascript", JS_GOOD, tests, canary)
    assert outcome.status == "error"
    assert "tests.js must export a function" in outcome.message


def test_python_pass(canary):
    outcome = graded("python", PY_GOOD, {"tests.py": PY_TESTS}, canary)
    assert outcome.status == "pass", outcome.to_dict()
    assert statuses(outcome) == ["pass", "pass"]


def test_python_fail_with_the_authors_message(canary):
    code = "def add(a, b):\n    return int(a) + int(b)\n"
    outcome = graded("python", code, {"tests.py": PY_TESTS}, canary)
    assert outcome.status == "fail"
    assert statuses(outcome) == ["pass", "fail"]
    assert outcome.tests[1].message == "add('2', 3) should raise TypeError"


def test_python_exception_names_the_line_of_the_learners_code(canary):
    code = "def add(a, b):\n    return a.missing\n"
    outcome = graded("python", code, {"tests.py": PY_TESTS}, canary)
    assert outcome.tests[0].message == (
        "AttributeError: 'int' object has no attribute 'missing' (submission.py line 2)"
    )


def test_python_syntax_error_is_error(canary):
    outcome = graded("python", "def add(a, b)\n    return a + b\n", {"tests.py": PY_TESTS}, canary)
    assert outcome.status == "error"
    assert outcome.message.startswith("Your code could not be loaded: SyntaxError")
    assert "(submission.py, line 1)" in outcome.message


def test_python_exits_and_hangs_are_contained_per_test(canary):
    tests = """
from harness import load, test

@test("sys.exit")
def _():
    load().leave()

@test("os._exit")
def _():
    import os
    os._exit(3)

@test("sleeps")
def _():
    load().nap()

@test("prints")
def _():
    print("a" * 5000)

@test("still runs")
def _():
    pass
"""
    code = "import sys, time\ndef leave():\n    sys.exit(2)\ndef nap():\n    time.sleep(60)\n"
    outcome = graded("python", code, {"tests.py": tests}, canary, test_timeout_seconds=0.5)
    assert statuses(outcome) == ["error", "error", "error", "pass", "pass"]
    assert outcome.tests[0].message == "Your code called sys.exit(2) during the test"
    assert outcome.tests[1].message == "Your code called os._exit(3) during the test"
    assert outcome.tests[2].message == "The test did not finish within 0.5 s"
    assert "output truncated (1001 more characters)" in outcome.tests[3].output
    assert outcome.status == "fail"


def test_python_exit_at_import_is_error(canary):
    outcome = graded("python", "import sys\nsys.exit(0)\n", {"tests.py": PY_TESTS}, canary)
    assert outcome.status == "error"
    assert "sys.exit(0)" in outcome.message


def test_js_an_exception_thrown_in_a_callback_fails_the_test_and_says_so(canary):
    code = (
        "module.exports = { later: (cb) => setImmediate(() => { throw new TypeError('boom'); }) };"
    )
    tests = {
        "tests.js": "module.exports = ({ test, load }) => {\n"
        "  test('calls back', async () => { await new Promise((r) => load().later(r)); });\n"
        "};\n"
    }
    outcome = graded("javascript", code, tests, canary)
    assert statuses(outcome) == ["fail"]
    message = outcome.tests[0].message
    assert message.startswith("Uncaught exception (thrown in a callback or event handler")
    assert "TypeError: boom" in message
