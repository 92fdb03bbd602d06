"""Handing work over in the pages (issue 23, item 2): tom reassigns ann's step from his teams' list
with a reason; ann sets an away period with bea as cover; what was typed is what the case keeps."""
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import doors
from engine.people.accounts import dao_add_person, dao_set_password, dao_set_roles
from tests.web.conftest import PASSWORD, csrf_of, signed_in


@pytest.fixture
def bea(site):
    """bea: an auditor and team manager of CIC 1, who could take ann's audits."""
    with doors.engine(site).db.transaction() as session:
        dao_add_person(session, "bea", "Bea (auditor)", team="cic_1")
        dao_set_roles(session, "bea", ["auditor", "team_manager"])
        dao_set_password(session, "bea", PASSWORD)
    return "bea"


def _reassign(client, task_id: str, to: str, reason: str):
    page = client.get(f"/tasks/{task_id}/reassign")
    return client.post(f"/tasks/{task_id}/reassign", data={"to": to, "reason": reason,
                                                           "csrf_token": csrf_of(page.text)})


def _reasons(site, instance_id: int) -> list[str]:
    return [e["detail"]["reason"] for e in doors.engine(site).reads.history(instance_id)
            if e["event"] == "task_reassigned"]


# the team manager above the case moves the auditor's step; the reason is kept as typed
def test_tom_reassigns_a_task_from_his_teams_list_with_a_reason(site, audit, bea):
    instance_id, task_id = audit
    tom = signed_in(site, "tom")
    assert f"/tasks/{task_id}/reassign" in tom.get("/?view=team").text
    assert "Reassign this task" in tom.get(f"/tasks/{task_id}").text
    refused = _reassign(tom, task_id, "bea", "  ")
    assert refused.status_code == 400 and "Enter why the task is reassigned" in refused.text
    assert 'value="bea" selected' in refused.text  # the choice is kept beside the error
    done = _reassign(tom, task_id, "bea", "Ann is off sick")
    assert done.status_code == 302
    assert "The task now waits for Bea (auditor)" in tom.get(done.location).text
    assert doors.engine(site).reads.task(task_id)["candidates"] == ["bea"]
    assert _reasons(site, instance_id) == ["Ann is off sick"]


def test_the_practitioner_is_not_offered_and_is_refused_by_name(site, audit, bea):
    _, task_id = audit
    with doors.engine(site).db.transaction() as session:
        dao_set_roles(session, "pat", ["practitioner", "auditor"])
    tom = signed_in(site, "tom")
    assert 'value="pat"' not in tom.get(f"/tasks/{task_id}/reassign").text
    refused = _reassign(tom, task_id, "pat", "Pat could do it")
    assert refused.status_code == 400 and "practitioner cannot take this step of their own case" in refused.text


def test_a_person_who_may_not_reassign_is_not_offered_it(site, audit, bea):
    _, task_id = audit
    ann = signed_in(site, "ann")
    assert "Reassign this task" not in ann.get(f"/tasks/{task_id}").text
    assert ann.get(f"/tasks/{task_id}/reassign").status_code == 403


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
                      min_size=1, max_size=200).filter(str.strip))
def test_the_reason_typed_is_the_reason_kept(site, audit, bea, reason):
    instance_id, task_id = audit
    tom = signed_in(site, "tom")
    to = "ann" if doors.engine(site).reads.task(task_id)["candidates"] == ["bea"] else "bea"
    assert _reassign(tom, task_id, to, reason).status_code == 302
    assert _reasons(site, instance_id)[-1] == reason.strip()


def _away(client, username: str, cover: str, first: tuple, last: tuple):
    page = client.get(f"/people/{username}/away")
    form = {"cover": cover, "csrf_token": csrf_of(page.text)}
    for field, (day, month, year) in (("first_day", first), ("last_day", last)):
        form |= {f"{field}-day": day, f"{field}-month": month, f"{field}-year": year}
    return client.post(f"/people/{username}/away", data=form)


# ann away Wednesday to Friday, bea covers: the lists say so and bea may act in the window
def test_ann_marks_herself_away_and_bea_covers_in_the_window(site, audit, bea, clock):
    _, task_id = audit
    ann = signed_in(site, "ann")
    wrong = _away(ann, "ann", "bea", ("31", "11", "2026"), ("6", "11", "2026"))
    assert wrong.status_code == 400 and "Enter the first day as a real date" in wrong.text
    assert 'value="31"' in wrong.text  # what was typed is kept
    saved = _away(ann, "ann", "bea", ("4", "11", "2026"), ("6", "11", "2026"))
    assert saved.status_code == 302
    assert "Wednesday 4 November 2026 to Friday 6 November 2026: cover Bea (auditor)" in ann.get(saved.location).text
    clock.set(datetime(2026, 11, 4, 9, 0, tzinfo=timezone.utc))
    bea_page = signed_in(site, "bea").get("/").text
    assert "You cover Ann (auditor, team manager) until Friday 6 November" in bea_page
    assert f"/tasks/{task_id}" in bea_page
    tom_list = signed_in(site, "tom").get("/?view=team").text
    assert "Ann (auditor, team manager), away until Friday 6 November, cover: Bea (auditor)" in tom_list


def test_a_cover_sharing_no_role_is_refused_beside_the_field(site, audit, bea):
    ann = signed_in(site, "ann")
    refused = _away(ann, "ann", "pat", ("4", "11", "2026"), ("6", "11", "2026"))
    assert refused.status_code == 400 and "holds one of the roles of the person away" in refused.text
    assert 'href="#cover"' in refused.text
