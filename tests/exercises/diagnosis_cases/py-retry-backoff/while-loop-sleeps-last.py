# Diagnosis case: sleeps-after-last-attempt.py (a while loop that sleeps before re-raising)
import random
import time


def retry(fn, *, attempts, base_delay, max_delay, retry_on=(Exception,), sleep=time.sleep,
          rand=random.random):
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts!r}")
    attempt = 0
    while True:
        try:
            return fn()
        except retry_on:
            sleep(rand() * min(max_delay, base_delay * 2 ** attempt))
            attempt += 1
            if attempt == attempts:
                raise
