# Mistake: sleeps after every failure, including the last one, so the caller waits for nothing before getting the error
import random
import time


def retry(fn, *, attempts, base_delay, max_delay, retry_on=(Exception,), sleep=time.sleep,
          rand=random.random):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    last_error = None
    for attempt in range(attempts):
        try:
            return fn()
        except retry_on as exc:
            last_error = exc
            sleep(rand() * min(max_delay, base_delay * 2 ** attempt))
    raise last_error
