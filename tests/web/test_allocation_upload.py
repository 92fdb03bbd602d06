"""The allocation list from a spreadsheet, through the pages (issue 22, item 3; R-11): upload on the
allocation task's page or from /allocations, the preview of every row, the draft the task form
shows, confirming (the task's own completion) and the case audits it started."""
import io
import re

import pytest
from sqlalchemy import func, select

import doors
from engine.models import HistoryEvent, ProcessInstance
from tests.fixtures.allocation_sheets import allocation_task, csv_bytes, xlsx_bytes
from tests.fixtures.report_audits import Audit, seed_audits
from tests.web.conftest import csrf_of, signed_in

HEADER = ["Mosaic number", "Audit type", "Auditor", "Social worker", "Previous grade", "Team"]
THREE = [HEADER, ["C-7001", "Case audit", "ann", "pat", None, None],
         ["C-7002", "Audit", "an", "pat", None, None],  # nobody of that name
         ["C-7003", "Re-audit", "ann", "pia", "RI", "CIC 1"]]


@pytest.fixture
def listed(site, clock):
    """(the app, the audit cycle's id, its allocation task's id, quinn's client)."""
    cycle, task_id = allocation_task(doors.engine(site), clock)
    return site, cycle, task_id, signed_in(site, "quinn")


def upload(client, task_id, content: bytes, name: str = "November.xlsx"):
    page = client.get(f"/tasks/{task_id}/allocations")
    return client.post(f"/tasks/{task_id}/allocations", content_type="multipart/form-data",
                       data={"csrf_token": csrf_of(page.text), "sheet": (io.BytesIO(content), name)})


def confirm(client, task_id, **fields):
    page = client.get(f"/tasks/{task_id}/allocations/preview")
    return client.post(f"/tasks/{task_id}/allocations/preview", data={"csrf_token": csrf_of(page.text), **fields})


def started(app, cycle) -> list[dict]:
    engine = doors.engine(app)
    return [engine.reads.instance(c) for c in engine.reads.instance(cycle)["children"]]


def test_the_allocation_task_and_its_own_page_offer_the_upload(listed):
    site, _, task_id, quinn = listed
    task_page = quinn.get(f"/tasks/{task_id}").text
    assert 'enctype="multipart/form-data"' in task_page and "Upload the list (CSV or Excel)" in task_page
    lists = quinn.get("/allocations").text
    assert f'href="/tasks/{task_id}/allocations"' in lists and ">Allocations<" in lists
    ann = signed_in(site, "ann")
    assert 'data-testid="no-lists"' in ann.get("/allocations").text and ">Allocations<" not in ann.get("/").text
    assert ann.get(f"/tasks/{task_id}/allocations/preview").status_code in (403, 404)  # not hers to act on


def test_the_templates_download_as_csv_and_excel(listed):
    _, _, _, quinn = listed
    as_csv, as_xlsx = quinn.get("/allocations/template.csv"), quinn.get("/allocations/template.xlsx")
    assert as_csv.mimetype == "text/csv" and as_csv.data.decode("utf-8-sig").startswith("Case reference,Kind of audit")
    assert as_xlsx.data[:2] == b"PK" and "attachment" in as_xlsx.headers["Content-Disposition"]


# nothing starts before the QA team confirms; a bad row is named by its row and field
def test_an_upload_with_a_bad_row_shows_it_and_starts_nothing(listed):
    site, cycle, task_id, quinn = listed
    engine = doors.engine(site)
    with engine.db.reading() as session:
        history = session.scalar(select(func.count()).select_from(HistoryEvent))
    answer = upload(quinn, task_id, xlsx_bytes(THREE))
    assert answer.status_code == 302 and answer.location.endswith(f"/tasks/{task_id}/allocations/preview")
    preview = quinn.get(answer.location)
    assert preview.status_code == 200
    assert "Row 2: &#39;an&#39; is not a person of the directory" in preview.text
    assert re.search(r'id="row-2".*?Error', preview.text, re.S)
    assert "Requires Improvement" in preview.text and "CIC 1" in preview.text  # labels and names shown
    refused = confirm(quinn, task_id)
    assert refused.status_code == 422 and "Nothing has started" in refused.text
    assert started(site, cycle) == []
    with engine.db.reading() as session:  # the preview and the refusal wrote no history
        assert session.scalar(select(func.count()).select_from(HistoryEvent)) == history
    # The rows are quinn's draft of the task: its form shows them, to fix a row there.
    assert engine.reads.ready_tasks(instance_id=cycle)[0]["state"] == "ready"
    task_page = quinn.get(f"/tasks/{task_id}").text
    assert re.search(r'name="allocations.2.case_ref"[^>]*>\s*C-7003', task_page)
    # The auditor is chosen from the directory; the unknown name stays selected, to be changed
    assert re.search(r'name="allocations.1.auditor".*?<option value="an" selected>', task_page, re.S)


# what the person uploaded is what the cases keep
def test_a_fixed_file_confirmed_starts_a_case_audit_per_row_with_its_data(listed):
    site, cycle, task_id, quinn = listed
    upload(quinn, task_id, xlsx_bytes(THREE))
    fixed = [row if row[0] != "C-7002" else ["C-7002", "Audit", "ann", "pat", None, None] for row in THREE]
    assert upload(quinn, task_id, csv_bytes([[c or "" for c in row] for row in fixed]), "fixed.csv").status_code == 302
    preview = quinn.get(f"/tasks/{task_id}/allocations/preview").text
    assert "Start 3 case audits" in preview and "Error" not in re.sub(r"<title>.*?</title>", "", preview)
    answer = confirm(quinn, task_id)
    assert answer.status_code == 302 and answer.location.endswith(f"/tasks/{task_id}/allocations/started")
    children = started(site, cycle)
    assert [{k: c["data"].get(k) for k in ("case_ref", "audit_kind", "auditor", "practitioner", "previous_grade", "team")}
            for c in children] == [
        {"case_ref": "C-7001", "audit_kind": "audit", "auditor": "ann", "practitioner": "pat", "previous_grade": None,
         "team": None},
        {"case_ref": "C-7002", "audit_kind": "audit", "auditor": "ann", "practitioner": "pat", "previous_grade": None,
         "team": None},
        {"case_ref": "C-7003", "audit_kind": "re_audit", "auditor": "ann", "practitioner": "pia",
         "previous_grade": "requires_improvement", "team": "cic_1"}]
    result = quinn.get(answer.location).text
    assert "3 case audits started" in result and 'data-testid="short"' not in result
    assert len(doors.engine(site).reads.task(task_id)["data"]["allocations"]) == 3  # what the page counts against
    assert all(f'href="/instances/{c["id"]}"' in result for c in children)
    assert quinn.get(f"/tasks/{task_id}/allocations").status_code == 302  # done: the page shows what started


# R-12 (issue 22: warnings the QA team may accept)
def test_warnings_must_be_accepted_before_the_list_starts(listed):
    site, cycle, task_id, quinn = listed
    seed_audits(doors.engine(site), [Audit("C-7001", "good", "2026-05-10T12:00:00+00:00")])
    upload(quinn, task_id, csv_bytes([HEADER[:4], ["C-7001", "audit", "ann", "pat"]]), "one.csv")
    preview = quinn.get(f"/tasks/{task_id}/allocations/preview").text
    assert "was audited in the last 12 months: an audit completed on 10 May 2026" in preview
    refused = confirm(quinn, task_id)
    assert refused.status_code == 422 and "Tick “I have checked these warnings”" in refused.text
    assert started(site, cycle) == []
    assert confirm(quinn, task_id, accept_warnings="yes").status_code == 302
    assert [c["data"]["case_ref"] for c in started(site, cycle)] == ["C-7001"]


def test_a_file_of_another_kind_is_refused_naming_the_file_field(listed):
    site, cycle, task_id, quinn = listed
    answer = upload(quinn, task_id, b"\xd0\xcf\x11\xe0", "November.xls")
    assert answer.status_code == 422 and 'href="#sheet"' in answer.text
    assert "must be a CSV file (.csv) or an Excel workbook (.xlsx)" in answer.text
    assert doors.engine(site).reads.task(task_id)["state"] == "ready"
    nothing = quinn.post(f"/tasks/{task_id}/allocations", data={"csrf_token": csrf_of(answer.text)})
    assert nothing.status_code == 400 and "Choose the allocation list to upload" in nothing.text


def test_an_upload_without_the_csrf_token_is_refused(listed):
    _, _, task_id, quinn = listed
    answer = quinn.post(f"/tasks/{task_id}/allocations", content_type="multipart/form-data",
                        data={"sheet": (io.BytesIO(b"x"), "a.csv")})
    assert answer.status_code == 400


def test_a_task_whose_form_takes_no_sheet_has_no_upload(site, audit):
    _, task_id = audit
    ann = signed_in(site, "ann")
    assert ann.get(f"/tasks/{task_id}/allocations").status_code == 404
    assert "Upload the list" not in ann.get(f"/tasks/{task_id}").text


def test_started_instances_count_only_this_list(listed):
    site, cycle, task_id, quinn = listed
    with doors.engine(site).db.reading() as session:
        before = session.scalar(select(func.count()).select_from(ProcessInstance))
    upload(quinn, task_id, csv_bytes([HEADER[:4], ["C-7101", "audit", "ann", "pat"], ["C-7102", "audit", "ann", "pat"]]),
           "two.csv")
    confirm(quinn, task_id)
    with doors.engine(site).db.reading() as session:
        assert session.scalar(select(func.count()).select_from(ProcessInstance)) == before + 2
