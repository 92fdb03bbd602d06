"""Walk-through of the audit year (processes/audit_cycle.bpmn, calendar audit_calendar.dmn):
the monthly cycles, the allocation list, the case audits it starts, Practice Weeks."""
from datetime import datetime, timedelta

import pytest

from engine.errors import InvalidData
from tests.flows.conftest import ROOT, complete, definition_files, messages, ready

BST_APRIL = "2026-03-31T23:00:00+00:00"  # 1 April 2026, a Wednesday, 00:00 in London
# Each month of the audit year 2026: when its 1st working day starts (UTC), and whether it runs a cycle.
YEAR = [
    ("April 2026", BST_APRIL, True),
    ("May 2026", "2026-04-30T23:00:00+00:00", True),      # Friday 1 May
    ("June 2026", "2026-05-31T23:00:00+00:00", True),
    ("July 2026", "2026-06-30T23:00:00+00:00", True),
    ("August 2026", "2026-08-02T23:00:00+00:00", False),  # Monday 3 August
    ("September 2026", "2026-08-31T23:00:00+00:00", True),  # Tuesday 1 September
    ("October 2026", "2026-09-30T23:00:00+00:00", True),
    ("November 2026", "2026-11-02T00:00:00+00:00", True),  # Monday 2 November, GMT again
    ("December 2026", "2026-12-01T00:00:00+00:00", False),
    ("January 2027", "2027-01-04T00:00:00+00:00", True),   # after New Year's Day and a weekend
    ("February 2027", "2027-02-01T00:00:00+00:00", True),
    ("March 2027", "2027-03-01T00:00:00+00:00", True),
]
PRACTICE_WEEK_OCTOBER_2026 = '''<rule id="rule_practice_week_2026_10">
        <inputEntry id="pw_year"><text>2026</text></inputEntry>
        <inputEntry id="pw_month"><text>10</text></inputEntry>
        <outputEntry id="pw_cycle"><text>False</text></outputEntry>
        <outputEntry id="pw_week"><text>True</text></outputEntry>
      </rule>
      <rule id="rule_january">'''


def deploy(org, calendar: bytes | None = None) -> None:
    """Every process and decision, as `make run` deploys them (case_audit and what it calls)."""
    names = sorted(p.name for p in (ROOT / "processes").iterdir() if p.suffix in (".bpmn", ".dmn"))
    files = definition_files(*names)
    if calendar is not None:
        files["audit_calendar.dmn"] = calendar
    org.deploy(files, "olive")


def at(iso: str, hours: float = 0) -> datetime:
    return datetime.fromisoformat(iso) + timedelta(hours=hours)


def move_to(org, clock, when: datetime) -> None:
    clock.set(when)
    while org.fire_due_timers():
        pass


def allocations_for(label: str) -> list[dict]:
    """One audit each month; in June and January also a re-audit (pia's team is managed by ann)."""
    ref = "C-" + label.replace(" ", "-")
    month = [{"case_ref": ref, "auditor": "ann", "practitioner": "pat", "audit_kind": "audit"}]
    if label.startswith(("June", "January")):
        month.append({"case_ref": ref + "-R", "auditor": "ann", "practitioner": "pia",
                      "audit_kind": "re_audit", "previous_grade": "requires_improvement"})
    return month


def notices(org, cycle_id: int, element_id: str) -> list:
    return [m for m in messages(org, "notification", cycle_id) if m.payload["element_id"] == element_id]


# R-10 R-11 R-16
def test_a_whole_audit_year_sends_ten_allocation_lists_and_starts_the_case_audits(org, clock, checkpoint):
    deploy(org)
    clock.set(at("2026-03-25T10:00:00+00:00"))
    cycle = org.start_instance("audit_cycle", {"year": 2026}, "quinn")
    due_dates, sent, children = {}, [], []
    for label, first_working_day, runs_cycle in YEAR:
        move_to(org, clock, at(first_working_day))  # the stroke of midnight: the month is about to open
        assert [(t["element_id"], t["due_at"]) for t in org.reads.instance(cycle)["timers"]] == [
            ("timer_first_working_day", first_working_day)], label
        move_to(org, clock, at(first_working_day, 9))
        tasks = ready(org, cycle, "prepare_allocation_list")
        assert len(tasks) == (1 if runs_cycle else 0), label
        if runs_cycle:
            due_dates[label] = tasks[0]["due_at"]
            assert tasks[0]["candidates"] == ["quinn"]  # the QA and practice improvement team
            complete(org, cycle, "prepare_allocation_list", {"allocations": allocations_for(label)})
            sent += allocations_for(label)
            children += [org.reads.instance(c) for c in org.reads.instance(cycle)["children"][len(children):]]  # as started
        if label == "September 2026":
            checkpoint(cycle)

    # The list is due by the end of each cycle's 1st working day (London time).
    assert due_dates["April 2026"] == "2026-04-01T22:59:59+00:00"
    assert due_dates["September 2026"] == "2026-09-01T22:59:59+00:00"
    assert due_dates["January 2027"] == "2027-01-04T23:59:59+00:00"
    assert "August 2026" not in due_dates and "December 2026" not in due_dates

    # Each allocation goes to its auditor, practitioner and team manager, with the case ref.
    allocation_notices = notices(org, cycle, "send_allocation")
    assert [(m.recipients, m.subject) for m in allocation_notices[:2]] == [
        (["ann", "pat", "tom"], "Audit allocation April 2026: case C-April-2026 (case audit)"),
        (["ann", "pat", "tom"], "Audit allocation May 2026: case C-May-2026 (case audit)")]
    june_reaudit = allocation_notices[3]
    assert june_reaudit.recipients == ["ann", "pia"]  # ann is also pia's team manager
    assert june_reaudit.subject == "Audit allocation June 2026: case C-June-2026-R (re-audit)"
    assert [m.subject.split(": case ")[1].split(" ")[0] for m in allocation_notices] == [a["case_ref"] for a in sent]
    assert len(allocation_notices) == 12

    # At each cycle's last working day the audit team is told to review audits not completed.
    reviews = notices(org, cycle, "review_outstanding_audits")
    assert [m.recipients for m in reviews] == [["quinn"]] * 9  # March 2027 closes after the year's walk
    assert reviews[0].subject == "Audit cycle April 2026 has closed: review the audits not completed"

    # One case audit per allocation, with the allocation's data and the cycle it belongs to.
    assert [c["process_id"] for c in children] == ["case_audit"] * 12
    started = [{k: c["data"].get(k) for k in ("case_ref", "auditor", "practitioner", "audit_kind",
                                              "previous_grade", "cycle_year", "cycle_month")} for c in children]
    assert started[0] == {"case_ref": "C-April-2026", "auditor": "ann", "practitioner": "pat", "audit_kind": "audit",
                          "previous_grade": None, "cycle_year": 2026, "cycle_month": 4}
    assert started[3] == {"case_ref": "C-June-2026-R", "auditor": "ann", "practitioner": "pia",
                          "audit_kind": "re_audit", "previous_grade": "requires_improvement",
                          "cycle_year": 2026, "cycle_month": 6}
    assert [s["case_ref"] for s in started] == [a["case_ref"] for a in sent]
    assert (started[8]["case_ref"], started[8]["cycle_year"], started[8]["cycle_month"]) == ("C-January-2027", 2027, 1)

    # After March's last working day the audit year is complete.
    move_to(org, clock, at("2027-04-01T09:00:00+00:00"))
    year = org.reads.instance(cycle)
    assert year["status"] == "completed"
    assert year["data"]["cycles_run"] == [label for label, _, runs in YEAR if runs]
    assert year["data"]["practice_weeks"] == []
    assert year["data"]["audits_per_auditor"] == {"ann": 12}  # R-12 is reported from this and the audits
    assert len(notices(org, cycle, "review_outstanding_audits")) == 10


# R-52 R-10
def test_a_practice_week_marked_in_the_calendar_replaces_that_months_audits(org, clock, checkpoint):
    calendar = (ROOT / "processes" / "audit_calendar.dmn").read_text()
    # A process owner marks October 2026 as a Practice Observation Week, above the month rows.
    deploy(org, calendar.replace('<rule id="rule_january">', PRACTICE_WEEK_OCTOBER_2026, 1).encode())
    clock.set(at("2026-10-01T08:00:00+00:00"))  # started late: April to September are over
    cycle = org.start_instance("audit_cycle", {"year": 2026}, "quinn")
    move_to(org, clock, at("2026-10-01T08:00:00+00:00"))
    assert ready(org, cycle) == []
    [announcement] = notices(org, cycle, "announce_practice_week")
    assert announcement.recipients == ["ann", "tom", "quinn"]  # auditors, team managers, the audit team
    assert announcement.subject == "October 2026: Practice Observation Week replaces the audit cycle"
    checkpoint(cycle)

    move_to(org, clock, at("2026-11-02T09:00:00+00:00"))  # November runs its cycle as usual
    complete(org, cycle, "prepare_allocation_list", {"allocations": allocations_for("November 2026")})
    year = org.reads.instance(cycle)
    assert year["data"]["practice_weeks"] == ["October 2026"]
    assert year["data"]["cycles_run"] == ["November 2026"]  # the months already over were passed by
    assert [org.reads.instance(c)["data"]["cycle_month"] for c in year["children"]] == [11]


#
def test_the_allocation_list_is_checked_and_a_late_list_is_chased(org, clock, checkpoint):
    deploy(org)
    clock.set(at("2026-03-30T09:00:00+00:00"))
    cycle = org.start_instance("audit_cycle", {"year": 2026}, "quinn")
    move_to(org, clock, at(BST_APRIL, 9))
    [task] = ready(org, cycle, "prepare_allocation_list")
    reaudit = {"case_ref": "C-2001", "auditor": "ann", "practitioner": "pat", "audit_kind": "re_audit"}
    with pytest.raises(InvalidData) as refused:
        org.complete_task(task["id"], {"allocations": [reaudit, reaudit | {"audit_kind": "spot_check"}]}, "quinn")
    assert set(refused.value.errors) == {"allocations.0.previous_grade", "allocations.1.audit_kind"}
    with pytest.raises(InvalidData):
        org.complete_task(task["id"], {"allocations": []}, "quinn")

    move_to(org, clock, at("2026-04-02T08:00:00+00:00"))  # not sent on the 1st working day
    [reminder] = notices(org, cycle, "remind_allocation_list")
    assert reminder.recipients == ["quinn", "paula"]
    assert reminder.subject == "Allocation list for April 2026 not sent"
    checkpoint(cycle)

    complete(org, cycle, "prepare_allocation_list",
             {"allocations": [reaudit | {"previous_grade": "inadequate", "team": "sas_1"}]})
    [child] = org.reads.instance(cycle)["children"]
    audit = org.reads.instance(child)
    assert audit["process_id"] == "case_audit" and audit["case_ref"] == "C-2001"
    assert {k: audit["data"].get(k) for k in ("audit_kind", "previous_grade", "team")} == {
        "audit_kind": "re_audit", "previous_grade": "inadequate", "team": "sas_1"}


# R-19 R-20
def test_an_allocation_names_the_cp_chair_iro_and_previous_practitioner_for_its_case_audit(org, clock, checkpoint):
    deploy(org)
    clock.set(at("2026-03-30T09:00:00+00:00"))
    cycle = org.start_instance("audit_cycle", {"year": 2026}, "quinn")
    move_to(org, clock, at(BST_APRIL, 9))
    checkpoint(cycle)
    named = {"previous_practitioner": "pia", "cp_chair": "cara", "iro": "ivan"}
    plain = {"case_ref": "C-2002", "auditor": "ann", "practitioner": "pat", "audit_kind": "audit"}
    complete(org, cycle, "prepare_allocation_list", {"allocations": [plain | {"case_ref": "C-2001"} | named, plain]})
    first, second = (org.reads.instance(child)["data"] for child in org.reads.instance(cycle)["children"])
    assert {key: first.get(key) for key in named} == named  # so the upload alerts them and pia gets feedback
    assert {key: second.get(key) for key in named} == dict.fromkeys(named)  # the next allocation names nobody


#
def test_auditors_below_the_minimum_of_audits_are_reported_while_cycles_remain_and_at_the_years_end(org, clock, checkpoint):
    deploy(org)
    clock.set(at("2026-12-14T09:00:00+00:00"))  # a year started late: April to December are passed over
    cycle = org.start_instance("audit_cycle", {"year": 2026}, "quinn")
    lists = {"January 2027": [("ann", "C-1"), ("ann", "C-2"), ("tom", "C-3")],
             "February 2027": [("ann", "C-4")], "March 2027": [("tom", "C-5")]}
    for label, first_working_day, _ in YEAR[-3:]:
        move_to(org, clock, at(first_working_day, 9))
        complete(org, cycle, "prepare_allocation_list", {"allocations": [
            {"case_ref": ref, "auditor": auditor, "practitioner": "pat", "audit_kind": "audit"}
            for auditor, ref in lists[label]]})
        if label == "January 2027":
            checkpoint(cycle)
    warning, final = notices(org, cycle, "report_auditors_below_minimum")
    assert warning.recipients == final.recipients == ["quinn", "paula"]  # QA team, head of service for QA
    assert warning.subject == "Auditors below the minimum of 7 audits after the January 2027 list"
    assert "so far this audit year, with cycles left to allocate more" in warning.body
    assert warning.body.endswith("(the number allocated in brackets): ann (2), tom (1). Counted from this year's allocation lists.")
    assert final.subject == "Auditors below the minimum of 7 audits after the March 2027 list"
    assert "in the audit year that ends with this cycle" in final.body and ": ann (3), tom (2)." in final.body


# R-10 R-51
def test_the_calendar_records_where_the_guidance_disagrees_about_september():
    from xml.etree import ElementTree
    namespace = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}
    calendar = ElementTree.parse(ROOT / "processes" / "audit_calendar.dmn").getroot()
    described = calendar.find("dmn:decision/dmn:description", namespace).text
    assert "a pause during August and September" in described and "There are 10 audit cycles" in described
    september = calendar.find(".//dmn:rule[@id='rule_september']", namespace)
    assert "a pause during August and September" in september.find("dmn:description", namespace).text
