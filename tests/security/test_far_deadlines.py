"""Issue 25, item 3: a deadline further off than the working-day calendar counts (the largest
`add_working_days` allows, or a timer in year 9999) is shown as its date; the pages that count
working days to it answer 200 for everyone instead of 500."""
from datetime import datetime, timezone

import pytest

import doors
from engine.calendar import MAX_WORKING_DAYS
from engine.models import UserTask
from tests.web.conftest import audit, signed_in, site  # noqa: F401  (fixtures)

FAR = {"largest add_working_days": None, "year 9999": datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc)}


def _far_due(engine, which: str) -> datetime:
    if FAR[which] is not None:
        return FAR[which]
    return datetime.fromisoformat(engine.ctx.calendar.add_working_days(datetime(2026, 11, 2, tzinfo=timezone.utc),
                                                                        MAX_WORKING_DAYS))


# a deadline is said in words; one beyond the calendar's count is said as its date
@pytest.mark.parametrize("which", FAR)
def test_a_far_deadline_shows_its_date_on_every_page(site, audit, which):  # noqa: F811
    instance_id, task_id = audit
    engine = doors.engine(site)
    due = _far_due(engine, which)
    with engine.db.transaction() as session:
        session.get(UserTask, task_id).due_at = due
    day = due.strftime("%A ") + str(due.day) + due.strftime(" %B")
    ann, quinn = signed_in(site, "ann"), signed_in(site, "quinn")
    for client, path in ((ann, "/"), (ann, f"/tasks/{task_id}"), (ann, f"/instances/{instance_id}"),
                         (quinn, "/overview"), (quinn, "/cases"), (signed_in(site, "tom"), "/?view=team")):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
    assert f"Due {day}" in ann.get("/").text
    assert f"Due {day}" in ann.get(f"/tasks/{task_id}").text
