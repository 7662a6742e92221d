# Diagnosis case: exponent-counts-from-one.py (counts attempts from 1 with enumerate)
import random
import time


def retry(fn, *, attempts, base_delay, max_delay, retry_on=(Exception,), sleep=time.sleep,
          rand=random.random):
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts!r}")
    for number in range(1, attempts + 1):
        try:
            return fn()
        except retry_on:
            if number == attempts:
                raise
        sleep(rand() * min(max_delay, base_delay * 2 ** number))
