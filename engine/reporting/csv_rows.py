"""The rows behind a report as CSV, for the API and the reports page alike: a header row (every
column any row has, in order), then one line per row, with spreadsheet formulas defused."""
import csv
import io

from engine.reporting.audit_report import ROW_COLUMNS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # spreadsheet formula injection (OWASP)


def to_csv(rows: list[dict], columns: tuple[str, ...] = ROW_COLUMNS) -> str:
    """`columns` head an empty file; otherwise the rows' own keys do."""
    header = list(dict.fromkeys(key for row in rows for key in row)) or list(columns)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def _cell(value):
    """A text cell a spreadsheet would run as a formula starts with a quote instead."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
