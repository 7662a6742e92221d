# A visible example: the prompt's order saga, where booking the courier fails.
from harness import load, test


class CourierDown(Exception):
    pass


@test("a failing last step refunds the payment, then releases the stock")
def _():
    mod = load()
    calls = []
    error = CourierDown("no courier available")

    def book_courier():
        calls.append("book courier")
        raise error

    steps = [
        (lambda: calls.append("reserve") or "r-1", lambda r: calls.append(f"release {r}")),
        (lambda: calls.append("charge") or "p-9", lambda p: calls.append(f"refund {p}")),
        (book_courier, lambda s: calls.append(f"cancel {s}")),
    ]
    result = mod.run_saga(steps)
    assert calls == ["reserve", "charge", "book courier", "refund p-9", "release r-1"], (
        f"expected reserve, charge, book courier, then refund p-9 and release r-1; the calls were {calls}"
    )
    assert result.ok is False and result.failed_step == 2, (
        f"the saga should report ok=False and failed_step=2, got ok={result.ok!r}, failed_step={result.failed_step!r}"
    )
    assert result.compensated == [1, 0], f"compensated should be [1, 0], got {result.compensated!r}"
    assert result.error is error, f"error should be the CourierDown the step raised, got {result.error!r}"
