# Mistake: numbers the retries from 1, so the first wait is already base_delay * 2 and every wait is twice too long
import random
import time


def retry(fn, *, attempts, base_delay, max_delay, retry_on=(Exception,), sleep=time.sleep,
          rand=random.random):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except retry_on:
            if attempt == attempts:
                raise
        sleep(rand() * min(max_delay, base_delay * 2 ** attempt))
