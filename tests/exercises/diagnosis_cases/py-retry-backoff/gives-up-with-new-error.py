# Diagnosis case: wraps-last-error.py (raises its own error from the last one)
import random
import time


def retry(fn, *, attempts, base_delay, max_delay, retry_on=(Exception,), sleep=time.sleep,
          rand=random.random):
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts!r}")
    for attempt in range(attempts):
        try:
            return fn()
        except retry_on as exc:
            if attempt == attempts - 1:
                raise RuntimeError(f"failed after {attempts} attempts") from exc
        sleep(rand() * min(max_delay, base_delay * 2 ** attempt))
