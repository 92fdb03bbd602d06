"""Messages speak the policy's words (R-81, R-19): grades by their titles, kinds of audit, stages and
notification types in words, never a placeholder left as written or an id. Every walk-through in
tests/flows is checked by conftest.every_message_reads_in_words; these walk the paths the other
files leave out and say what the words are."""
import pytest

from tests.flows.conftest import complete, messages, not_words, ready
from tests.flows.test_case_audit import audits, discussion, draft, start  # noqa: F401  (audits: fixture)
from tests.flows.test_dispute_resolution import formal, head_of_service, informal


@pytest.mark.parametrize("text, found", [
    ("The audit report is ready: overall grade {grade_label}.", ["grade_label", "{grade_label}"]),
    ("The dispute ended at the head_of_service stage.", ["head_of_service"]),
    ("A concern arose during QA activity (case_audit).", ["case_audit"]),
    ("Need-to-know notification (serious_incident), graded requires_improvement.",
     ["requires_improvement", "serious_incident"]),
    ("A second re-audit is due: graded Requires Improvement. http://127.0.0.1:5000/instances/12", []),
])
def test_what_is_not_words_is_found(text, found):
    assert not_words(text, {"case_audit"}) == found


def subjects(engine, iid: int) -> list[str]:
    return [m.subject for m in messages(engine, "notification", iid)]


def test_a_reaudit_disputed_up_to_the_assistant_director_reads_in_words(audits):  # R-19 R-33 R-34
    iid = start(audits, audit_kind="re_audit", previous_grade="inadequate")
    complete(audits, iid, "draft_audit", draft("requires_improvement"))
    complete(audits, iid, "discuss_draft_findings", discussion("requires_improvement"))
    complete(audits, iid, "quality_assure_report", {"qa_outcome": "accepted"})
    [report] = [m for m in messages(audits, "notification", iid) if m.subject == "Audit report for case C-1001"]
    assert "The quality-assured re-audit report for case C-1001 is ready: overall grade Requires Improvement." in report.body

    complete(audits, iid, "respond_to_report", {"dispute": True, "comments": "We disagree"})
    informal(audits, iid, resolved=False)
    formal(audits, iid, resolved=False)
    head_of_service(audits, iid, resolved=False)
    complete(audits, iid, "consider_independent_view", {"independent_view": True, "decision": "Upheld on review.",
                                                        "final_grade": "inadequate"})
    told = messages(audits, "notification", iid)
    assert any("disagree with the Requires Improvement grading of the re-audit of case C-1001" in m.body for m in told)
    assert "Audit of case C-1001: dispute ended (Assistant Director stage), final grade Inadequate" in subjects(audits, iid)
    final = messages(audits, "case_record.upload", iid)[-1]
    assert final.subject == "Final audit report, after the dispute (re-audit), case C-1001"
    assert "Overall grade: Inadequate; the same grade as the previous audit (Inadequate)" in final.body
    assert "Case C-1001: second re-audit due" in subjects(audits, iid)


def test_an_alert_raised_in_a_reaudit_says_so_in_words(audits):  # R-40 R-81
    iid = start(audits, audit_kind="re_audit", previous_grade="good")
    complete(audits, iid, "draft_audit", draft("inadequate", concern="No safety plan after the incident"))
    [alert] = audits.reads.instance(iid)["children"]
    [urgent] = messages(audits, "notification", alert)
    assert "arose during the re-audit on case C-1001" in urgent.body
    assert audits.reads.instance(alert)["data"]["raised_from"] == "case_audit"  # the id stays for reports and events


def test_a_reaudit_followed_up_late_and_off_track_reads_in_words(audits, clock):  # R-25 R-27 R-23 R-81
    from tests.flows.test_case_audit import accepted, findings, fire_at, review_note
    iid = start(audits, audit_kind="re_audit", previous_grade="requires_improvement")
    accepted(audits, iid, "requires_improvement")
    complete(audits, iid, "discuss_audit_findings", findings())
    fire_at(audits, clock, "2026-11-10T09:00:00+00:00")  # the QA team's review of the case note is late
    complete(audits, iid, "review_case_note", review_note())
    fire_at(audits, clock, "2026-12-09T09:00:00+00:00")  # and the service manager's follow-up
    [late] = [m for m in messages(audits, "notification", iid) if "follow-up of the agreed actions due" in m.subject]
    assert late.recipients == ["quinn", "sue"]
    assert "within 20 working days, to monitor that appropriate actions are taken in a timely way" in late.body
    [review] = [m for m in messages(audits, "notification", iid) if "review of the case note due" in m.subject]
    assert "within 5 working days (guidance 2.13)" in review.body
    complete(audits, iid, "service_manager_follow_up", {"followed_up_on": "2026-12-09", "actions_on_track": False})
    [off] = [m for m in messages(audits, "notification", iid) if "not on track" in m.subject]
    assert off.recipients == ["hal", "quinn"] and "The case is brought to your attention." in off.body
    [note] = [m for m in messages(audits, "case_record.upload", iid) if "Discussion of the audit findings" in m.subject]
    assert "(overall grade Requires Improvement) on 2026-11-04 and agreed SMART actions" in note.body
