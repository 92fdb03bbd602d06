"""One Markdown table per database, ready to paste into bench/README.md."""
from statistics import median

from .config import Sizes
from .run import Results

# engine completion / raw cycle (issue 28: 1.5x on SQLite, 2x on PostgreSQL; 3x before it)
COMPLETION_TARGETS = {"SQLite": 1.5, "PostgreSQL": 2.0}
STATEMENTS_TARGET = 6  # per completion (issue 28)
SWEEP_TARGET = 1.2


def report(label: str, sizes: Sizes, results: Results) -> str:
    completion, start = results.completion, results.start
    small, large, due = results.small_sweep, results.large_sweep, sizes.due_per_round
    return "\n".join([
        f"### {label}: {results.live_instances:,} live instances of a 10-step chain with boundary timers",
        "",
        "| operation | engine median ms | raw SpiffWorkflow median ms | ratio | target |",
        "|---|---:|---:|---:|---|",
        _row(f"complete a task (n={len(completion.engine_ms)})", completion.engine_ms, completion.raw_ms,
             COMPLETION_TARGETS.get(label.split()[0])),
        _row(f"start an instance (n={len(start.engine_ms)})", start.engine_ms, start.raw_ms, None),
        _count("statements per completion (BEGIN/COMMIT not counted)", completion.statements, STATEMENTS_TARGET),
        _count("statements per start", start.statements, None),
        "",
        (f"| timer sweep, {due} due, {len(large.round_ms)} rounds | median ms, {small.waiting:,} waiting "
         f"| median ms, {large.waiting:,} waiting | ratio | target |"),
        "|---|---:|---:|---:|---|",
        _row("`fire_due_timers()`", small.round_ms, large.round_ms, SWEEP_TARGET, later_over_earlier=True),
        _row("per timer fired", _per(small.round_ms, due), _per(large.round_ms, due), None,
             later_over_earlier=True),
        _row(f"extra: idle sweep, nothing due (n={len(large.idle_ms)})", small.idle_ms, large.idle_ms, None,
             later_over_earlier=True),
    ])


def _row(name: str, first: list[float], second: list[float], target: float | None,
         later_over_earlier: bool = False) -> str:
    """The ratio is engine/raw for the operations, and 10,000-waiting/100-waiting for the sweep."""
    a, b = median(first), median(second)
    ratio = b / a if later_over_earlier else a / b
    verdict = "—" if target is None else f"≤ {target:g}x: {'met' if ratio <= target else 'MISSED'}"
    return f"| {name} | {a:.2f} | {b:.2f} | {ratio:.2f}x | {verdict} |"


def _count(name: str, statements: int, target: int | None) -> str:
    verdict = "—" if target is None else f"≤ {target}: {'met' if statements <= target else 'MISSED'}"
    return f"| {name} | {statements} | — | — | {verdict} |"


def _per(round_ms: list[float], count: int) -> list[float]:
    return [ms / count for ms in round_ms]
