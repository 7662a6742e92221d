# A visible example: the prompt's example, with a sleep that records instead of sleeping.
from harness import load, test


@test("three failures then a success sleep 0.25, 0.5 and 0.75 seconds and return the result")
def _():
    mod = load()
    delays = []
    outcomes = [ConnectionError("reset"), ConnectionError("reset"), ConnectionError("503"), "charged"]

    def charge():
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    result = mod.retry(charge, attempts=4, base_delay=0.5, max_delay=1.5,
                       sleep=delays.append, rand=lambda: 0.5)
    assert result == "charged", f"retry should return the first successful result 'charged', got {result!r}"
    assert delays == [0.25, 0.5, 0.75], f"the waits before retries 0, 1, 2 should be [0.25, 0.5, 0.75], got {delays}"
