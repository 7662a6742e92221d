# Mistake: applies max_delay after the jitter instead of before, so once the delay passes the cap most waits are the cap itself instead of a random fraction of it
import random
import time


def retry(fn, *, attempts, base_delay, max_delay, retry_on=(Exception,), sleep=time.sleep,
          rand=random.random):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(attempts):
        try:
            return fn()
        except retry_on:
            if attempt == attempts - 1:
                raise
        sleep(min(max_delay, rand() * base_delay * 2 ** attempt))
