import random
import time


def retry(fn, *, attempts, base_delay, max_delay, retry_on=(Exception,), sleep=time.sleep,
          rand=random.random):
    """Call fn() until it succeeds, at most `attempts` times, with capped exponential backoff
    and full jitter between attempts. Returns fn's result; see the prompt for the rules."""
    # Your code here.
    pass
