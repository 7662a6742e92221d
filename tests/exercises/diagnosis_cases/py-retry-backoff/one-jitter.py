# Diagnosis case: jitter-drawn-once.py (one random factor, drawn before the loop)
import random
import time


def retry(fn, *, attempts, base_delay, max_delay, retry_on=(Exception,), sleep=time.sleep,
          rand=random.random):
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts!r}")
    factor = rand()
    for attempt in range(attempts):
        try:
            return fn()
        except retry_on:
            if attempt == attempts - 1:
                raise
        sleep(factor * min(max_delay, base_delay * 2 ** attempt))
