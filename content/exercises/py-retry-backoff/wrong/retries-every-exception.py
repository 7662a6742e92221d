# Mistake: catches every Exception and retries it, so a permanent error (invalid input, not found) is retried and slept on instead of failing at once
import random
import time


def retry(fn, *, attempts, base_delay, max_delay, retry_on=(Exception,), sleep=time.sleep,
          rand=random.random):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(attempts):
        try:
            return fn()
        except Exception:
            if attempt == attempts - 1:
                raise
        sleep(rand() * min(max_delay, base_delay * 2 ** attempt))
