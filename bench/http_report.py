"""The HTTP bench's tables, Markdown, ready to paste into bench/README.md."""
from statistics import median, quantiles

from .http_phases import ENGINE, RAW, Throughput

COMPLETION = "complete a task (API)"
HTTP_TARGET = 2.5  # completion over HTTP at most 2.5x the raw cycle (issue 28)
ENGINE_TARGET = 2.0  # the engine's completion on PostgreSQL at most 2x (issue 28; 1.5x on SQLite in `make bench`)
STARTS_TARGET = 100  # case_audit starts per second, PostgreSQL, 2 workers
PAGES_TARGET_MS = 25.0  # the daily pages that start from the person (issue 28), median
PAGES = ("my tasks page (/)", "case list page")


def latency_table(label: str, instances: int, workers: int, http: dict, engine: dict,
                  statements: dict[str, list[int]] | None = None) -> str:
    """`statements`: each call's statement counts (X-Statements), shown as their median; "—" where none."""
    raw, engine_raw = median(http[RAW]), median(engine[RAW])
    counted = statements or {}
    lines = [f"#### {label}: {instances:,} live instances, gunicorn {workers} sync worker(s), one client",
             "", "| call | n | median ms | p90 ms | ratio to raw cycle | statements |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, ms in http.items():
        ratio = f"{median(ms) / raw:.2f}x" if name != RAW else "1.00x"
        lines.append(f"| {name} | {len(ms)} | {median(ms):.2f} | {_p90(ms):.2f} | {ratio} | "
                     f"{_statements(counted.get(name))} |")
    lines.append(f"| {ENGINE} | {len(engine[ENGINE])} | {median(engine[ENGINE]):.2f} | {_p90(engine[ENGINE]):.2f} "
                 f"| {median(engine[ENGINE]) / engine_raw:.2f}x (raw {engine_raw:.2f} ms alongside) | — |")
    http_ratio = median(http[COMPLETION]) / raw
    engine_ratio = median(engine[ENGINE]) / engine_raw
    lines += ["", f"- completion over HTTP / raw cycle: **{http_ratio:.2f}x** (target ≤ {HTTP_TARGET:g}x: "
              f"{_verdict(http_ratio <= HTTP_TARGET)})",
              f"- engine-level completion / raw cycle: **{engine_ratio:.2f}x** (target ≤ {ENGINE_TARGET:g}x on PostgreSQL: "
              f"{_verdict(engine_ratio <= ENGINE_TARGET)})"]
    lines += [f"- {page}: **{median(http[page]):.1f} ms** median (target ≤ {PAGES_TARGET_MS:g} ms: "
              f"{_verdict(median(http[page]) <= PAGES_TARGET_MS)})" for page in PAGES if page in http]
    return "\n".join(lines)


def throughput_line(label: str, workers: int, result: Throughput) -> str:
    rate = result.starts / result.seconds
    return (f"- {label}, gunicorn {workers} sync workers + timer worker, {result.clients} clients: "
            f"{result.starts} case_audit starts in {result.seconds:.1f} s = **{rate:.0f} starts/s** "
            f"(median {median(result.latency_ms):.1f} ms, p90 {_p90(result.latency_ms):.1f} ms each; "
            f"target ≥ {STARTS_TARGET}/s: {_verdict(rate >= STARTS_TARGET)})")


def locust_table(label: str, users: int, seconds: int, rows: list[dict]) -> str:
    lines = [f"#### Locust, {label}: {users} auditors, {seconds} s, think time 1-3 s",
             "", "| request | requests | failures | req/s | p50 ms | p95 ms |", "|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
                     f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} |")
    return "\n".join(lines)


def _statements(counts: list[int] | None) -> str:
    """The median count, and the range when calls differed (a first call that fills a cache)."""
    if not counts:
        return "—"
    low, high, middle = min(counts), max(counts), median(counts)
    return f"{middle:g}" if low == high else f"{middle:g} ({low}–{high})"


def _p90(ms: list[float]) -> float:
    return quantiles(ms, n=10)[-1] if len(ms) > 1 else ms[0]


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"
