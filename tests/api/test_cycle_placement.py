"""Every audit belongs to a cycle (issue 22, item 5): a case audit started without one, over the
API as by the pages, is placed in the cycle its start date falls in, or the next month that runs one
by the deployed calendar (processes/audit_calendar.dmn: none in December), so the case list, the
overview and the reports count it."""
from datetime import datetime, timezone

import pytest

import doors
from engine.people.accounts import dao_set_password
from tests.flows.test_audit_cycle import deploy as deploy_everything
from tests.web.conftest import PASSWORD, signed_in

AUDIT = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat", "audit_kind": "audit"}


@pytest.fixture
def everything(engine_of):
    deploy_everything(engine_of)  # as `make run` deploys: the calendar with the processes
    return engine_of


def started(client, auth, data=AUDIT) -> dict:
    response = client.post("/api/process-instances", json={"process_id": "case_audit", "data": data},
                           headers=auth("quinn"))
    assert response.status_code == 201, response.text
    return response.json


# R-10 R-11
@pytest.mark.parametrize("day, cycle", [
    (datetime(2026, 12, 3, 10, tzinfo=timezone.utc), (2027, 1)),  # December runs no cycle: January's
    (datetime(2026, 11, 20, 10, tzinfo=timezone.utc), (2026, 11)),
    (datetime(2026, 8, 3, 10, tzinfo=timezone.utc), (2026, 9)),  # nor August
])
def test_a_start_without_a_cycle_is_placed_in_the_calendars_cycle(client, auth, everything, clock, day, cycle):
    clock.set(day)
    instance = started(client, auth)
    assert (instance["data"]["cycle_year"], instance["data"]["cycle_month"]) == cycle
    listed = client.get("/api/process-instances", query_string={"cycle": f"{cycle[0]}-{cycle[1]:02d}"},
                        headers=auth("quinn")).json
    assert [row["id"] for row in listed["items"]] == [instance["id"]]


def test_a_start_naming_its_cycle_keeps_it(client, auth, everything, clock):
    clock.set(datetime(2026, 12, 3, 10, tzinfo=timezone.utc))
    instance = started(client, auth, AUDIT | {"cycle_year": 2026, "cycle_month": 11})
    assert (instance["data"]["cycle_year"], instance["data"]["cycle_month"]) == (2026, 11)


def test_the_overview_counts_an_audit_started_in_december_in_januarys_cycle(app, client, auth, everything, clock):
    clock.set(datetime(2026, 12, 3, 10, tzinfo=timezone.utc))
    started(client, auth)
    with doors.engine(app).db.transaction() as session:
        dao_set_password(session, "quinn", PASSWORD)
    quinn = signed_in(app, "quinn")
    january = quinn.get("/overview?cycle=2027-01").text
    steps = january.split('data-testid="cycle-steps"')[1].split("</table>")[0]
    assert 'href="/cases?status=running&amp;cycle=2027-01&amp;step=draft_audit">1<' in steps
    december = quinn.get("/overview?cycle=2026-12").text.split('data-testid="cycle-steps"')[1].split("</table>")[0]
    assert "step=draft_audit" not in december
