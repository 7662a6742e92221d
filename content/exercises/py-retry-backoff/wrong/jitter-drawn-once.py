# Mistake: draws the random jitter once and reuses it for every retry, so clients that failed together keep retrying in lockstep
import random
import time


def retry(fn, *, attempts, base_delay, max_delay, retry_on=(Exception,), sleep=time.sleep,
          rand=random.random):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    jitter = rand()
    for attempt in range(attempts):
        try:
            return fn()
        except retry_on:
            if attempt == attempts - 1:
                raise
        sleep(jitter * min(max_delay, base_delay * 2 ** attempt))
