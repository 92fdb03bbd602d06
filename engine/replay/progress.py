"""How far a replay has gone, told to whoever runs it (the worker's job, engine/replay/jobs.py), and
how they stop it: `progress(done, total)` answers False to cancel, and the replay raises Cancelled."""
from collections.abc import Callable

Progress = Callable[[int, int], bool]  # (cases replayed so far, cases selected) -> go on?


class Cancelled(Exception):
    """The replay was stopped by its progress callback: it has no result."""


def tell(progress: Progress | None, done: int, total: int) -> None:
    """Tell `progress` how far the replay is; raise Cancelled when it answers False."""
    if progress is not None and not progress(done, total):
        raise Cancelled(f"cancelled after {done} of {total} cases")
