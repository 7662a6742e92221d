# Mistake: raises a new "gave up" error after the last attempt instead of the original exception, so callers cannot tell what failed
import random
import time


class RetriesExhausted(Exception):
    pass


def retry(fn, *, attempts, base_delay, max_delay, retry_on=(Exception,), sleep=time.sleep,
          rand=random.random):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(attempts):
        try:
            return fn()
        except retry_on as exc:
            if attempt == attempts - 1:
                raise RetriesExhausted(f"gave up after {attempts} attempts") from exc
        sleep(rand() * min(max_delay, base_delay * 2 ** attempt))
