"""Wall-clock timing in milliseconds."""
import time


def timed(action, *args):
    """(milliseconds, result) of one call."""
    start = time.perf_counter()
    result = action(*args)
    return (time.perf_counter() - start) * 1000, result
