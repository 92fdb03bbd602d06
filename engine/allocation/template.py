"""The allocation list's template to download, CSV and Excel, from the same column definitions the
upload reads (engine/allocation_sheet.COLUMNS) and the deployed form's choices, so the template
and the reading never disagree."""
import csv
import io

from engine.allocation.sheet import COLUMNS, choice_options

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_csv() -> bytes:
    """The header row alone, with a byte order mark so Excel opens it as UTF-8."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([column.title for column in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(form: dict) -> bytes:
    """A workbook whose first sheet (the one read) is the header row, and a second sheet that says
    what each column takes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Allocations"
    sheet.append([column.title for column in COLUMNS])
    for cell, column in zip(sheet[1], COLUMNS):
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(16, len(column.title) + 4)
    guide = book.create_sheet("How to fill it in")
    guide.append(["Column", "Needed", "What it takes", "Also read under these headers"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        guide.append([column.title, "Yes" if column.required else "No", what_it_takes(form, column.field),
                      ", ".join(column.names)])
    for letter, width in zip("ABCD", (22, 8, 70, 60)):
        guide.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def what_it_takes(form: dict, field: str) -> str:
    options = choice_options(form, field)
    if options:
        return "One of: " + ", ".join(f"{title} ({value})" for value, title in options)
    if field == "case_ref":
        return "The case's reference in the case record (Mosaic number)"
    if field == "team":
        return "The team's name or id, only if not the practitioner's own team"
    return "A username of the directory"
