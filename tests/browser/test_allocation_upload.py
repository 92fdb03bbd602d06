"""The month's allocation list from a spreadsheet, in a real browser (issue 22, item 3; R-11): quinn
uploads a three-row workbook with one bad row, sees it named, fixes it in the task's form, checks
the list again and starts it; ann finds her new audit in My tasks. The clock stands at the cycle's
first working day, Monday 2 November 2026."""
import re

import doors
from tests.browser.walks import Walk, staff  # noqa: F401  (staff: a fixture)
from tests.fixtures.allocation_sheets import allocation_task, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS = [["Mosaic number", "Audit type", "Auditor", "Social worker", "Previous grade", "Team"],
        ['=HYPERLINK("https://mosaic.example/case/8001","C-8001")', "Case audit", "ann", "pat", None, None],
        ["C-8002", "Audit", "an", "pat", None, None],  # a mistyped auditor
        ["C-8003", "Re-audit", "ann", "pia", "RI", "CIC 1"]]


# R-11 (issue 22: quinn runs the month's allocation from a spreadsheet, without a terminal)
def test_quinn_uploads_the_list_fixes_a_row_and_starts_it_and_ann_finds_her_audit(staff, person, clock):
    engine = doors.engine(staff)
    cycle, task_id = allocation_task(engine, clock)
    walk = Walk(person, "80-allocation", "C-8001")

    quinn = walk.as_("quinn")
    quinn.goto("/")
    quinn.get_by_role("link", name="Allocations", exact=True).click()
    quinn.wait_for_url("**/allocations")
    walk.check(quinn, "quinn-allocation-lists", "allocation-lists")
    quinn.get_by_test_id("allocation-tasks").get_by_role("link").click()
    quinn.wait_for_url(re.compile(r"/tasks/[^/]+/allocations$"))
    walk.check(quinn, "quinn-upload", "allocation-upload")

    quinn.set_input_files("#sheet", files=[{"name": "November 2026.xlsx", "mimeType": XLSX, "buffer": xlsx_bytes(ROWS)}])
    quinn.get_by_role("button", name="Upload and check the list").click()
    quinn.wait_for_url(re.compile(r"/allocations/preview"))
    summary = quinn.locator(".govuk-error-summary").inner_text()
    assert "Row 2: 'an' is not a person of the directory" in summary
    assert quinn.get_by_test_id("summary").inner_text().startswith("3 allocations: 1 with an error")
    assert quinn.locator("#row-1").inner_text().startswith("1\tC-8001\tCase audit")  # the HYPERLINK's text, as shown
    walk.check(quinn, "quinn-preview-error", "allocation-preview")
    assert engine.reads.instance(cycle)["children"] == []  # nothing starts from a preview

    quinn.get_by_role("link", name="fix the rows in the form").click()  # the rows are quinn's draft of the task
    quinn.wait_for_url(re.compile(r"/tasks/[^/]+$"))
    walk.check(quinn, "quinn-task-with-rows", "task:allocation_list")
    quinn.locator("#allocations-1-auditor").select_option(label="Ann (auditor, team manager)")  # from the directory
    quinn.get_by_role("button", name="Save and come back later").click()
    quinn.wait_for_url(re.compile(r"/tasks/[^/]+$"))
    quinn.get_by_role("link", name="Check your saved list row by row and start it").click()
    quinn.wait_for_url(re.compile(r"/allocations/preview"))
    assert quinn.locator(".govuk-error-summary").count() == 0
    walk.check(quinn, "quinn-preview-ready")
    quinn.get_by_role("button", name="Start 3 case audits").click()
    quinn.wait_for_url(re.compile(r"/allocations/started"))
    assert "3 case audits started" in quinn.locator(".govuk-panel").inner_text()
    links = quinn.get_by_test_id("cases").get_by_role("link")
    assert [re.sub(r",.*", "", t, flags=re.S).strip() for t in links.all_inner_texts()] == ["C-8001", "C-8002", "C-8003"]
    walk.check(quinn, "quinn-started", "allocation-started")

    started = [engine.reads.instance(c)["data"] for c in engine.reads.instance(cycle)["children"]]
    assert [(d["case_ref"], d["auditor"], d["practitioner"], d["audit_kind"], d.get("previous_grade"), d.get("team"))
            for d in started] == [("C-8001", "ann", "pat", "audit", None, None), ("C-8002", "ann", "pat", "audit", None, None),
                                  ("C-8003", "ann", "pia", "re_audit", "requires_improvement", "cic_1")]

    quinn.get_by_role("link", name="See the cycles of the audit year").click()  # the Cycle page counts them
    quinn.wait_for_url(re.compile(r"/cycle"))
    november = quinn.get_by_test_id("calendar").locator("tr", has_text="November 2026").locator("td")
    assert november.nth(1).inner_text().split()[0] == "3"  # allocated in November's cycle
    walk.check(quinn, "quinn-cycle")

    walk.open_task("ann", "Review case file and draft audit report", "audit_tool")  # her new audit, from My tasks
    walk.finish()
