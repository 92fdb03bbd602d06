"""The allocation list as councils keep it, a spreadsheet (CSV or Excel .xlsx), read into the rows of
the form that declares `"x-sheet": "<its list field>"` (forms/allocation_list.json).

Headers are matched loosely: case, spaces and punctuation do not count, and each column has its
usual names (COLUMNS; docs/allocation_sheet.md lists them). Kinds and grades are read by the form's
own values or labels ("re_audit", "Re-audit", "Requires Improvement", or its initials "RI"), so a
renamed grade in forms/ is read under its new name. A cell is read as the text it holds and never
worked out: a formula stays its formula (a HYPERLINK gives the text it shows, a literal), which the
preview then refuses as a value. What cannot be read as a choice is kept as written, so the preview
names it against its row and field, and the person fixes the row or the file.
"""
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from engine.definitions.forms import resolve_pointer
from engine.errors import InvalidData

ALLOCATION_FORM = "allocation_list"  # the audit cycle's allocation step: /allocations lists its open tasks
MAX_SHEET_BYTES = 2 * 1024 * 1024  # a list of a thousand rows is a few hundred kilobytes
MAX_UNZIPPED_BYTES = 40 * 1024 * 1024  # an .xlsx is a zip: what it may unpack to, read or not
MAX_ROWS = 1000  # allocations in one list
MAX_SCANNED_ROWS = 5000  # lines of a sheet looked at, blank ones included (formatting can reach a million)
MAX_COLUMNS = 60
FILE_FIELD = "sheet"  # the page's file input: where a refusal of the whole file points
HYPERLINK = re.compile(r'^=\s*HYPERLINK\(\s*"((?:[^"]|"")*)"\s*(?:[,;]\s*"((?:[^"]|"")*)"\s*)?\)\s*$', re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    field: str
    title: str  # the template's header, and how pages name the column
    names: tuple[str, ...]  # the headers it is known by besides its title
    required: bool = False  # the file must have the column (its cells may still be empty where the form allows)
    person: bool = False  # holds a username: read in lower case


COLUMNS = (
    Column("case_ref", "Case reference", ("case ref", "case", "case number", "case no", "case id", "reference",
                                          "mosaic", "mosaic number", "mosaic id", "mosaic ref", "mosaic reference"),
           required=True),
    Column("audit_kind", "Kind of audit", ("kind", "audit kind", "audit type", "type", "type of audit"), required=True),
    Column("auditor", "Auditor", ("auditor username", "audited by", "allocated auditor"), required=True, person=True),
    Column("practitioner", "Practitioner", ("social worker", "worker", "allocated worker", "allocated practitioner",
                                            "practitioner username", "sw"), required=True, person=True),
    Column("team", "Team", ("team name", "team id")),
    Column("previous_grade", "Previous grade", ("prev grade", "last grade", "previous overall grade",
                                                "grade of the previous audit", "previous audit grade")),
    Column("previous_practitioner", "Previous practitioner", ("previous worker", "previous social worker"),
           person=True),
    Column("cp_chair", "CP chair", ("child protection chair", "cpc", "cp conference chair"), person=True),
    Column("iro", "IRO", ("independent reviewing officer",), person=True),
)


@dataclass
class Sheet:
    allocations: list[dict]  # the form's rows, as read
    ignored: list[str]  # headers of columns not read (notes, dates a council keeps beside the list)


def loose(text: str) -> str:
    """A header or a choice as compared: lower case, letters and digits only ("Re-audit" -> "reaudit")."""
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


HEADERS = {loose(name): column for column in COLUMNS for name in (column.title, column.field, *column.names)}


def read_sheet(file_name: str, content: bytes, form: dict) -> Sheet:
    """The allocations a CSV or .xlsx file holds, one per row under its header row (blank rows left
    out), or InvalidData (422) naming what is wrong with the file as a whole."""
    if len(content) > MAX_SHEET_BYTES:
        _refuse(f"The file is {len(content) / 1024 / 1024:.1f} MB: "
                f"it must be at most {MAX_SHEET_BYTES // 1024 // 1024} MB")
    if not content.strip():
        _refuse("The file is empty")
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension == "csv":
        lines = _csv_lines(content)
    elif extension == "xlsx":
        lines = _xlsx_lines(content)
    else:
        _refuse(f"The file must be a CSV file (.csv) or an Excel workbook (.xlsx): “{file_name}” is neither. "
                "In Excel, choose Save As and pick “Excel Workbook (.xlsx)” or “CSV UTF-8”")
    return _allocations(lines, form)


# --- reading a file into lines of text ------------------------------------------------------------

def _csv_lines(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")  # Excel's "CSV (Comma delimited)" on Windows
    if "\x00" in text:
        _refuse("The file is not a CSV file (it holds binary data): save it as “CSV UTF-8” or upload the .xlsx")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    lines = []
    for number, line in enumerate(csv.reader(io.StringIO(text), dialect), 1):
        if number > MAX_SCANNED_ROWS:
            break
        lines.append(line[:MAX_COLUMNS])
    return lines


def _xlsx_lines(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # only an upload needs it

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(member.file_size for member in archive.infolist()) > MAX_UNZIPPED_BYTES:
                _refuse("The workbook unpacks to more than "
                        f"{MAX_UNZIPPED_BYTES // 1024 // 1024} MB: upload the allocation list alone")
        # data_only=False: a formula is read as written, never worked out (and never the value Excel
        # saved beside it, which another program may have written).
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except InvalidData:
        raise
    except Exception:  # not a zip, not a workbook: openpyxl raises many kinds
        _refuse("The file is not an Excel workbook (.xlsx) that can be read: save it again from Excel as "
                "“Excel Workbook (.xlsx)”, or as “CSV UTF-8”")
    try:
        sheet = book.worksheets[0]
        return [[_cell_text(value) for value in row]
                for row in sheet.iter_rows(max_row=MAX_SCANNED_ROWS, max_col=MAX_COLUMNS, values_only=True)]
    finally:
        book.close()


def _cell_text(value) -> str:
    """A cell as text: numbers without a spurious ".0", dates as ISO dates, a formula as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = value if isinstance(value, str) else str(getattr(value, "text", value))  # ArrayFormula: its text
    link = HYPERLINK.match(text)
    if link:  # the text a HYPERLINK shows (a Mosaic number linked to its record): a literal, not worked out
        return (link.group(2) if link.group(2) is not None else link.group(1)).replace('""', '"')
    return text


# --- lines into the form's rows -------------------------------------------------------------------

def _allocations(lines: list[list[str]], form: dict) -> Sheet:
    lines = [[cell.replace("\u00a0", " ").strip() for cell in line] for line in lines]
    filled = [line for line in lines if any(line)]
    if not filled:
        _refuse("The file has no rows: the first row names the columns, each row below is one allocation")
    header, rows = filled[0], filled[1:]
    columns, ignored = _columns(header)
    if not rows:
        _refuse("The file has a header row but no allocations under it")
    if len(rows) > MAX_ROWS:
        _refuse(f"The file has {len(rows):,} allocations: a list may have at most {MAX_ROWS:,}; split it in two")
    choices = {field: _choices(form, field) for field in ("audit_kind", "previous_grade")}
    allocations = []
    for row in rows:
        allocation = {}
        for index, column in columns.items():
            value = row[index] if index < len(row) else ""
            if not value:
                continue
            if column.person:
                value = value.lower()
            elif column.field in choices:
                value = choices[column.field].get(loose(value), value)  # unread: kept, for the preview to name
            allocation[column.field] = value
        allocations.append(allocation)
    return Sheet(allocations, ignored)


def _columns(header: list[str]) -> tuple[dict[int, Column], list[str]]:
    """Which column of the file is which field; headers it does not know are left out, and named."""
    columns: dict[int, Column] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        column = HEADERS.get(loose(name))
        if column is None:
            if name:
                ignored.append(name)
            continue
        twice = [header[i] for i, c in columns.items() if c is column]
        if twice:
            _refuse(f"The columns “{twice[0]}” and “{name}” both give the {column.title.lower()}: keep one")
        columns[index] = column
    missing = [c.title for c in COLUMNS if c.required and c not in columns.values()]
    if missing:
        _refuse(f"The file has no column for: {', '.join(missing)}. The first row must name the columns "
                "(download the template to see them)")
    return columns, ignored


def _choices(form: dict, field: str) -> dict[str, str]:
    """A choice field of the form's list rows: its values, labels and the labels' initials (when no
    two labels share them), compared loosely, to the value."""
    options = choice_options(form, field)
    found = {}
    initials: dict[str, list[str]] = {}
    for value, title in options:
        found[loose(value)] = value
        found[loose(title)] = value
        words = re.findall(r"[A-Za-z0-9]+", title)
        if len(words) > 1:
            initials.setdefault("".join(w[0] for w in words).lower(), []).append(value)
    for short, values in initials.items():
        if len(values) == 1:
            found.setdefault(short, values[0])
    return found


def choice_options(form: dict, field: str) -> list[tuple[str, str]]:
    """(value, label) of a choice field of the list rows, in the form's order."""
    schema = _node(form, row_schema(form).get("properties", {}).get(field) or {})
    options = schema.get("oneOf") or schema.get("anyOf") or []
    if not options and "enum" in schema:
        options = [{"const": value} for value in schema["enum"]]
    return [(o["const"], o.get("title") or str(o["const"])) for o in map(lambda o: _node(form, o), options)
            if isinstance(o, dict) and "const" in o]


def sheet_field(form: dict | None) -> str | None:
    """The list field a spreadsheet fills, as the form declares it (`x-sheet`), or None."""
    name = (form or {}).get("x-sheet")
    return name if isinstance(name, str) and name in ((form or {}).get("properties") or {}) else None


def row_schema(form: dict) -> dict:
    return _node(form, (_node(form, form["properties"][sheet_field(form)]) or {}).get("items") or {})


def _node(form: dict, node):
    """A schema node with its local $ref followed (a field that is `{"$ref": ..., "title": ...}` too)."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        node = (resolve_pointer(form, node["$ref"]) or {}) | {k: v for k, v in node.items() if k != "$ref"}
    return node if isinstance(node, dict) else {}


def _refuse(message: str):
    raise InvalidData(message, {FILE_FIELD: [message]})
