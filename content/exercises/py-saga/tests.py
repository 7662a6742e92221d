# Hidden tests for py-saga. Actions and compensations are fakes that record what was called.
import dataclasses

from harness import load, test


class StepFailed(Exception):
    pass


class UndoFailed(Exception):
    pass


class Saga:
    """Builds steps from a spec and records every call in order.

    spec: one dict per step: {"result": value} or {"raises": exception}, and "undo": "ok"
    (default), "raises", or None (no compensation)."""

    def __init__(self, spec):
        self.log = []
        self.steps = []
        for index, item in enumerate(spec):
            self.steps.append((self._action(index, item), self._undo(index, item.get("undo", "ok"))))

    def _action(self, index, item):
        def action(*args, **kwargs):
            assert not args and not kwargs, f"actions take no arguments; step {index}'s got {args} {kwargs}"
            self.log.append(("do", index))
            if "raises" in item:
                raise item["raises"]
            return item["result"]

        return action

    def _undo(self, index, kind):
        if kind is None:
            return None

        def compensate(*args):
            self.log.append(("undo", index) + args)
            if kind == "raises":
                raise UndoFailed(f"compensation of step {index} failed")

        return compensate

    def actions(self):
        return [index for kind, index, *_ in self.log if kind == "do"]

    def undos(self):
        return [tuple(event[1:]) for event in self.log if event[0] == "undo"]


def show(result):
    fields = ("ok", "results", "failed_step", "compensated", "compensation_errors", "error")
    parts = []
    for name in fields:
        value = getattr(result, name, "<missing>")
        parts.append(f"{name}={value!r}")
    return "SagaResult(" + ", ".join(parts) + ")"


def run(mod, saga):
    try:
        result = mod.run_saga(saga.steps)
    except Exception as exc:  # noqa: BLE001 - reported to the learner
        raise AssertionError(
            f"run_saga raised {type(exc).__name__}: {exc}; it should return a SagaResult instead"
        ) from None
    assert isinstance(result, mod.SagaResult), f"run_saga should return a SagaResult, got {result!r}"
    return result


def as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else value


def check(result, situation, **expected):
    for name, value in expected.items():
        actual = getattr(result, name, "<missing>")
        if name in ("results", "compensated"):
            actual = as_list(actual)
        if name == "compensation_errors":
            # The contract fixes which indices, not their order.
            actual = sorted(actual) if isinstance(actual, (list, tuple)) else actual
            value = sorted(value)
        if name == "error" and value is not None:
            ok = actual is value
        elif value is None or isinstance(value, bool):
            ok = actual is value
        else:
            ok = actual == value
        assert ok, f"{situation}: {name} should be {value!r}, got {actual!r} (the result was {show(result)})"


@test("runs every action once, in order, and returns ok with their results")
def _():
    mod = load()
    saga = Saga([{"result": "r-1"}, {"result": "p-9"}, {"result": "s-4"}])
    result = run(mod, saga)
    assert dataclasses.is_dataclass(result), "SagaResult should be a dataclass"
    assert saga.actions() == [0, 1, 2], f"the actions should run once each in order 0, 1, 2; they ran as {saga.actions()}"
    assert saga.undos() == [], f"nothing should be compensated when every step succeeds, but compensations ran: {saga.undos()}"
    check(result, "when every step succeeds", ok=True, results=["r-1", "p-9", "s-4"])


@test("a successful saga reports failed_step None, empty compensation lists and no error")
def _():
    mod = load()
    result = run(mod, Saga([{"result": 1}, {"result": 2, "undo": None}]))
    check(result, "when every step succeeds", failed_step=None, compensated=[], compensation_errors=[], error=None)


@test("an empty saga succeeds with no results")
def _():
    mod = load()
    result = run(mod, Saga([]))
    check(result, "with no steps", ok=True, results=[], failed_step=None, compensated=[],
          compensation_errors=[], error=None)


@test("stops at the failing step: later actions never run")
def _():
    mod = load()
    saga = Saga([{"result": "a"}, {"raises": StepFailed("payment declined")}, {"result": "c"}, {"result": "d"}])
    run(mod, saga)
    assert saga.actions() == [0, 1], (
        f"after step 1 fails, steps 2 and 3 must not run; the actions that ran were {saga.actions()}"
    )


@test("reports the failing step's index and the exception object it raised")
def _():
    mod = load()
    error = StepFailed("payment declined")
    result = run(mod, Saga([{"result": "a"}, {"result": "b"}, {"raises": error}, {"result": "d"}]))
    check(result, "when step 2 raises", ok=False, failed_step=2, error=error)


@test("compensates the completed steps in reverse order, each with its own action's result")
def _():
    mod = load()
    saga = Saga([{"result": "r-1"}, {"result": {"payment": "p-9"}}, {"result": ["s-4"]}, {"raises": StepFailed("x")}])
    run(mod, saga)
    expected = [(2, ["s-4"]), (1, {"payment": "p-9"}), (0, "r-1")]
    assert saga.undos() == expected, (
        f"after step 3 fails, compensations should run for steps 2, 1, 0 in that order, each with its "
        f"step's result: expected (step, argument) {expected}, got {saga.undos()}"
    )


@test("never compensates the step that failed")
def _():
    mod = load()
    saga = Saga([{"result": "r-1"}, {"raises": StepFailed("card declined")}])
    result = run(mod, saga)
    undone = [event[0] for event in saga.undos()]
    assert 1 not in undone, "the compensation of the failed step 1 was called, although its action never completed"
    assert undone == [0], f"only step 0 (completed) should be compensated, compensations ran for steps {undone}"
    check(result, "when step 1 fails", compensated=[0])


@test("keeps the completed steps' results after a failure")
def _():
    mod = load()
    result = run(mod, Saga([{"result": "r-1"}, {"result": "p-9"}, {"raises": StepFailed("x")}]))
    check(result, "when step 2 fails", results=["r-1", "p-9"])


@test("a failure in the first step compensates nothing")
def _():
    mod = load()
    error = StepFailed("out of stock")
    saga = Saga([{"raises": error}, {"result": "b"}])
    result = run(mod, saga)
    assert saga.undos() == [], f"when step 0 fails nothing has completed, but compensations ran: {saga.undos()}"
    check(result, "when step 0 fails", ok=False, failed_step=0, results=[], compensated=[],
          compensation_errors=[], error=error)


@test("a compensation that raises is recorded and the earlier steps are still compensated")
def _():
    mod = load()
    saga = Saga([{"result": "a"}, {"result": "b", "undo": "raises"}, {"result": "c"}, {"raises": StepFailed("x")}])
    result = run(mod, saga)
    undone = [event[0] for event in saga.undos()]
    assert undone == [2, 1, 0], (
        f"step 1's compensation raised, but steps 2, 1 and 0 should all be compensated, in that order; "
        f"compensations ran for steps {undone}"
    )
    check(result, "when step 1's compensation raises", ok=False, failed_step=3, compensation_errors=[1])


@test("compensated lists every compensation attempted, including those that raised")
def _():
    mod = load()
    saga = Saga([
        {"result": "a", "undo": "raises"},
        {"result": "b"},
        {"result": "c", "undo": "raises"},
        {"result": "d"},
        {"raises": StepFailed("x")},
    ])
    result = run(mod, saga)
    check(result, "when the compensations of steps 2 and 0 raise", compensated=[3, 2, 1, 0],
          compensation_errors=[2, 0])


@test("steps without a compensation are skipped and not listed")
def _():
    mod = load()
    saga = Saga([
        {"result": "a"},
        {"result": "b", "undo": None},
        {"result": "c"},
        {"result": "d", "undo": None},
        {"raises": StepFailed("x")},
    ])
    result = run(mod, saga)
    check(result, "when steps 1 and 3 have no compensation", compensated=[2, 0], compensation_errors=[],
          failed_step=4)


@test("compensates steps whose action returned None or another falsy value")
def _():
    mod = load()
    saga = Saga([{"result": 0}, {"result": None}, {"result": ""}, {"raises": StepFailed("x")}])
    result = run(mod, saga)
    expected = [(2, ""), (1, None), (0, 0)]
    assert saga.undos() == expected, (
        f"a completed step must be compensated whatever its result: expected (step, argument) {expected}, "
        f"got {saga.undos()}"
    )
    check(result, "when the completed steps returned 0, None and ''", results=[0, None, ""], compensated=[2, 1, 0])


@test("when the first and the last compensations called raise, the rest still run and error stays the failed step's")
def _():
    mod = load()
    error = StepFailed("courier down")
    saga = Saga([{"result": "a", "undo": "raises"}, {"result": "b"}, {"result": "c", "undo": "raises"}, {"raises": error}])
    result = run(mod, saga)
    undone = [event[0] for event in saga.undos()]
    assert undone == [2, 1, 0], (
        f"the compensations of steps 2 (called first) and 0 (called last) raise, but steps 2, 1 and 0 should all "
        f"be compensated, in that order; compensations ran for steps {undone}"
    )
    check(result, "when the compensations of steps 2 and 0 raise after step 3 failed", ok=False, failed_step=3,
          compensated=[2, 1, 0], compensation_errors=[2, 0])
    check(result, "when the compensations of steps 2 and 0 raise after step 3 failed (error must be the exception "
          "step 3 raised, not a compensation's)", error=error)
