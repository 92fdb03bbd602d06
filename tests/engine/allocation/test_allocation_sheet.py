"""The allocation list from a spreadsheet (issue 22, item 3): reading CSV and Excel files with the
headers and values councils write, refusing what is not a list, and the preview of every row
before anything starts (R-11: the QA team sends the list on the cycle's first working day)."""
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from engine.allocation import preview as allocation_preview
from engine.allocation.sheet import MAX_ROWS, read_sheet
from engine.allocation.template import template_csv, template_xlsx
from engine.clock import now
from engine.errors import InvalidData
from engine.models import HistoryEvent, OutboxMessage, ProcessInstance, TaskDraft, UserTask
from tests.fixtures.allocation_sheets import allocation_task, csv_bytes, xlsx_bytes
from tests.fixtures.report_audits import Audit, seed_audits


@pytest.fixture
def listed(org, clock):
    """(engine, the audit cycle, its allocation task, the task's form)."""
    cycle, task_id = allocation_task(org, clock)
    return org, cycle, task_id, org.reads.task(task_id)["form"]


def preview_of(engine, form, allocations, cycle="2026-11"):
    with engine.db.reading() as session:
        return allocation_preview.preview(session, form, allocations, cycle, now())


# --- reading ------------------------------------------------------------------------------------

#
def test_a_csv_with_loose_headers_and_labels_is_read_into_the_forms_rows(listed):
    _, _, _, form = listed
    content = csv_bytes([
        ["Case Ref.", " AUDIT TYPE ", "Auditor", "Social worker", "Previous grade", "Team", "Notes"],
        ["C-2001", "Case audit", "Ann", "pat", "", "", "first of the month"],
        ["C-2002", "Re-audit", "ann", "pia", "RI", "CIC 1", ""],
        ["", "", "", "", "", "", ""],  # a blank row is left out
        ["C-2003", "re_re_audit", "ann", "pia", "Requires Improvement", "", ""],
    ])
    sheet = read_sheet("November list.CSV", content, form)
    assert sheet.allocations == [
        {"case_ref": "C-2001", "audit_kind": "audit", "auditor": "ann", "practitioner": "pat"},
        {"case_ref": "C-2002", "audit_kind": "re_audit", "auditor": "ann", "practitioner": "pia",
         "previous_grade": "requires_improvement", "team": "CIC 1"},
        {"case_ref": "C-2003", "audit_kind": "re_re_audit", "auditor": "ann", "practitioner": "pia",
         "previous_grade": "requires_improvement"}]
    assert sheet.ignored == ["Notes"]


#
def test_an_excel_list_reads_formulas_as_text_never_worked_out(listed):
    _, _, _, form = listed
    content = xlsx_bytes([
        ["Mosaic number", "Type", "Worker", "Auditor", "Prev. grade", "IRO"],
        ['=HYPERLINK("https://mosaic.example/case/3001","C-3001")', "Audit", "pat", "ann", None, "Ivan"],
        ["=A2&\"-X\"", "Thematic audit", "pat", "ann", None, None],
        [3003, "audit", "pat", "ann", None, None],  # a number, as Excel keeps a numeric reference
    ])
    rows = read_sheet("list.xlsx", content, form).allocations
    assert rows[0] == {"case_ref": "C-3001", "audit_kind": "audit", "practitioner": "pat", "auditor": "ann",
                       "iro": "ivan"}
    assert rows[1]["case_ref"] == '=A2&"-X"' and rows[1]["audit_kind"] == "thematic"
    assert rows[2]["case_ref"] == "3003"


@pytest.mark.parametrize(("name", "content", "words"), [
    ("list.xls", b"\xd0\xcf\x11\xe0 old excel", "must be a CSV file (.csv) or an Excel workbook (.xlsx)"),
    ("list.pdf", b"%PDF-1.7", "must be a CSV file (.csv) or an Excel workbook (.xlsx)"),
    ("list.xlsx", b"not a zip at all", "is not an Excel workbook (.xlsx) that can be read"),
    ("list.csv", b"", "The file is empty"),
    ("list.csv", b"Case reference,Auditor\r\nC-1,ann\r\n", "no column for: Kind of audit, Practitioner"),
    ("list.csv", b"Case reference,Kind of audit,Auditor,Practitioner\r\n", "no allocations under it"),
    ("list.csv", b"Case ref,Mosaic number,Kind,Auditor,Worker\r\nC-1,C-1,audit,ann,pat\r\n", "both give the case reference"),
    ("list.csv", b"x" * (2 * 1024 * 1024 + 1), "must be at most 2 MB"),
])
def test_a_file_that_is_not_an_allocation_list_is_refused_in_words(listed, name, content, words):
    with pytest.raises(InvalidData) as refused:
        read_sheet(name, content, listed[3])
    assert words in refused.value.detail and refused.value.errors == {"sheet": [refused.value.detail]}


def test_a_list_longer_than_the_limit_is_refused(listed):
    rows = [["Case reference", "Kind of audit", "Auditor", "Practitioner"]]
    rows += [[f"C-{n}", "audit", "ann", "pat"] for n in range(MAX_ROWS + 1)]
    with pytest.raises(InvalidData, match=f"at most {MAX_ROWS:,}"):
        read_sheet("long.csv", csv_bytes(rows), listed[3])


def test_the_templates_are_read_back_by_the_upload(listed):
    form = listed[3]
    header = "Case reference,Kind of audit,Auditor,Practitioner,Team,Previous grade,Previous practitioner,CP chair,IRO"
    assert template_csv().decode("utf-8-sig").strip() == header
    for name, content in (("t.csv", template_csv() + b"C-1,Re-audit,ann,pat,,Good,,,\r\n"),):
        assert read_sheet(name, content, form).allocations == [
            {"case_ref": "C-1", "audit_kind": "re_audit", "auditor": "ann", "practitioner": "pat",
             "previous_grade": "good"}]
    book = load_workbook(io.BytesIO(template_xlsx(form)))
    assert [c.value for c in book.worksheets[0][1]] == header.split(",")
    assert "Requires Improvement (requires_improvement)" in book.worksheets[1]["C7"].value


# --- the preview ----------------------------------------------------------------------------------

GOOD = {"case_ref": "C-4001", "audit_kind": "audit", "auditor": "ann", "practitioner": "pat"}


# R-11 (issue 22: errors per row and field, nothing starts)
def test_the_preview_names_each_bad_row_and_field(listed):
    engine, _, _, form = listed
    engine.start_instance("case_audit", GOOD | {"case_ref": "C-4009", "cycle_year": 2026, "cycle_month": 11}, "quinn")
    rows = preview_of(engine, form, [
        GOOD,
        GOOD | {"case_ref": "C-4002", "auditor": "an"},  # nobody of that name
        GOOD | {"case_ref": "C-4003", "audit_kind": "re_audit"},  # no previous grade
        GOOD | {"case_ref": "c-4001 "},  # C-4001 again, written otherwise
        GOOD | {"case_ref": "C-4009"},  # already allocated in November
        GOOD | {"case_ref": '=A2&"-X"'},  # a formula, not worked out
        GOOD | {"case_ref": "C-4010", "audit_kind": "Reaudit twice", "team": "CIC 1"},
    ])
    assert rows[0].errors == {"case_ref": ["Case C-4001 is on the list more than once: rows 1 and 4"]}
    assert rows[1].errors == {"auditor": ["'an' is not a person of the directory"]}
    assert rows[2].errors == {"previous_grade": [
        "Previous grade is missing: a re-audit needs the overall grade of the audit before"]}
    assert rows[3].errors == {"case_ref": ["Case c-4001  is on the list more than once: rows 1 and 4"]}
    assert rows[4].errors == {"case_ref": ["Case C-4009 is already allocated in this cycle (November 2026)"]}
    assert list(rows[5].errors) == ["case_ref"] and "spreadsheet formula" in rows[5].errors["case_ref"][0]
    assert rows[6].errors == {"audit_kind": ["“Reaudit twice” is not a kind of audit: write one of Case audit, "
                                             "Re-audit, Second re-audit, Thematic audit"]}
    assert rows[6].allocation["team"] == "cic_1"  # a team by its name: the case keeps its id


# R-12 (issue 22: the QA team sees, and may accept, a case audited in the last 12 months)
def test_a_case_audited_in_the_last_twelve_months_is_a_warning_not_an_error(listed):
    engine, _, _, form = listed
    seed_audits(engine, [Audit("C-5001", "good", "2026-03-10T12:00:00+00:00"),
                         Audit("C-5002", "good", "2025-10-01T12:00:00+00:00")])  # more than 12 months ago
    rows = preview_of(engine, form, [GOOD | {"case_ref": "C-5001"}, GOOD | {"case_ref": "C-5002"},
                                     GOOD | {"case_ref": "C-5001-R", "audit_kind": "re_audit", "previous_grade": "good"}])
    assert [r.errors for r in rows] == [{}, {}, {}]
    assert rows[0].warnings == ["Case C-5001 was audited in the last 12 months: an audit completed on 10 March 2026"]
    assert rows[1].warnings == [] and rows[2].warnings == []


def test_the_preview_refuses_a_wrong_role_and_the_practitioner_as_auditor(listed):
    engine, _, _, form = listed
    rows = preview_of(engine, form, [GOOD | {"auditor": "pia"},  # a practitioner: no auditing role
                                     GOOD | {"case_ref": "C-4002", "auditor": "ann", "practitioner": "ann"}])
    assert rows[0].errors["auditor"][0].startswith("'pia' does not hold an auditing role (auditor, team manager,")
    assert rows[1].errors["auditor"] == ["'ann' is the practitioner of this case and cannot audit it"]


def test_the_preview_changes_nothing(listed):
    engine, _, _, form = listed
    tables = (ProcessInstance, UserTask, HistoryEvent, TaskDraft, OutboxMessage)

    def counts():
        with engine.db.reading() as session:
            return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in tables}
    before = counts()
    rows = preview_of(engine, form, [GOOD, GOOD | {"case_ref": "C-4002", "team": "SAS 1"}])
    assert [r.errors for r in rows] == [{}, {}]
    assert counts() == before


# what the person uploaded is what the cases keep
def test_the_list_read_from_a_file_starts_case_audits_that_keep_its_rows(listed):
    engine, cycle, task_id, form = listed
    content = xlsx_bytes([["Case ref", "Audit type", "Auditor", "Practitioner", "Previous grade", "Team", "CP chair"],
                          ["C-6001", "Audit", "ann", "pat", None, None, None],
                          ["C-6002", "Re-audit", "ann", "pia", "RI", "CIC 1", None]])
    rows = preview_of(engine, form, read_sheet("list.xlsx", content, form).allocations)
    assert [r.errors for r in rows] == [{}, {}]
    allocations = [r.allocation for r in rows]
    engine.complete_task(task_id, {"allocations": allocations}, "quinn")
    children = [engine.reads.instance(c) for c in engine.reads.instance(cycle)["children"]]
    assert [{k: c["data"].get(k) for k in allocations[i]} for i, c in enumerate(children)] == allocations
    assert [(c["process_id"], c["data"]["cycle_month"]) for c in children] == [("case_audit", 11)] * 2


def test_a_list_of_three_hundred_rows_starts_three_hundred_case_audits(listed):
    # every allocation of the list starts its case audit, however long the list (a loop of tasks
    # stopped after about 237: SpiffWorkflow walks a task tree at most 1,000 levels deep)
    engine, cycle, task_id, _ = listed
    allocations = [GOOD | {"case_ref": f"C-9{n:03d}"} for n in range(300)]
    engine.complete_task(task_id, {"allocations": allocations}, "quinn")
    assert len(engine.reads.instance(cycle)["children"]) == 300
    assert engine.reads.instance(cycle)["status"] == "running"
