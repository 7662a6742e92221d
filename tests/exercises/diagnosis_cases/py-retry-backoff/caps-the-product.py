# Diagnosis case: cap-after-jitter.py (caps the jittered value instead of the ceiling)
import random
import time


def retry(fn, *, attempts, base_delay, max_delay, retry_on=(Exception,), sleep=time.sleep,
          rand=random.random):
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts!r}")
    for attempt in range(attempts):
        try:
            return fn()
        except retry_on:
            if attempt == attempts - 1:
                raise
        sleep(min(max_delay, base_delay * 2 ** attempt * rand()))
