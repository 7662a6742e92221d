# A visible example: calls run and return their result, one compartment per dependency.
from harness import load, test


@test("a call runs fn and returns its result")
def _():
    mod = load()
    bulkhead = mod.Bulkhead({"payments": 2, "recommendations": 1})
    result = bulkhead.call("payments", lambda order: f"charged {order}", "o-1")
    assert result == "charged o-1", f"call should return fn's result, got {result!r}"
    assert bulkhead.in_flight("payments") == 0, "in_flight should be 0 once the call has returned"
