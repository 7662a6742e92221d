# A visible example: a redelivered message is not processed twice.
from harness import load, test


@test("a duplicate id returns False without calling the handler")
def _():
    mod = load()
    calls = []
    consumer = mod.IdempotentConsumer(calls.append)
    assert consumer.handle({"id": "order-1", "amount": 30}) is True, "the first delivery should run the handler and return True"
    assert consumer.handle({"id": "order-1", "amount": 30}) is False, "a redelivery of the same id should return False"
    assert len(calls) == 1, f"the handler should run once for one id, it ran {len(calls)} times"
