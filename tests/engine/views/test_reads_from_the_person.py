"""Reads that start from the person (issue 28) answer exactly what the reads they replace answered:
the inbox through a UNION of the ways in (access.actionable_ids) lists the same tasks in the same
order as testing every ready task (access.actionable_tasks); case visibility through a UNION the same
instances as the OR it replaced; the case list's facet counts in one statement the counts it read one
by one; and My tasks filtered, sorted and paged by the database the same
rows, order, count and steps as the page's former filtering in Python over the whole list.

The rows are shuffled at random (a fixed seed, many people, roles, holders, covers and deadlines) on
instances the engine started, so every way in, and every filter, meets cases it keeps and drops."""
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, insert, or_, select, update

from engine.calendar import parse_instant
from engine.clock import now
from engine.models import AwayPeriod, InstanceParticipant, ProcessInstance, TaskCandidate, UserTask
from engine.people import access
from engine.people.accounts import CurrentUser
from engine.views import queries
from engine.views.case_list import FACETS, CaseFilter, facet_counts
from engine.views.task_list import TaskFilter, end_of_week, task_page
from tests.fixtures.diagrams import chain_bundle

PEOPLE = ["ann", "tom", "pat", "pia", "quinn", "sue"]
ROLES = ["auditor", "team_manager", "qa_team"]
TEAMS = [None, "sas_1", "cic_1", "qa_team"]
AREAS = [None, "safeguarding_support", "children_in_care"]
REFS = [None, "C-1", "c-2", "C-10", "B-7", "ä-3"]
STEPS = [("step_1", "Step 1"), ("step_2", "Step 2"), ("step_3", "Step 3"), ("step_x", "Step 1")]
USERS = [CurrentUser("ann", frozenset({"auditor", "team_manager"}), "cic_1", frozenset({"cic_1"})),
         CurrentUser("tom", frozenset({"team_manager"}), "sas_1", frozenset({"sas_1"}),
                     frozenset({"children_in_care"})),
         CurrentUser("pat", frozenset({"auditor"})),
         CurrentUser("pia", frozenset({"qa_team", "auditor"})),
         CurrentUser("sue", frozenset())]


@pytest.fixture
def shuffled(org, clock):
    """40 instances of a 3-step chain, some advanced, then every row's people, roles, deadlines and
    places drawn at random; pat covers ann today, pia's cover of tom is cancelled, sue's has ended."""
    org.deploy(chain_bundle(), "olive")
    ids = [org.start_instance("chain", {"case_ref": f"C-{n}"}, "quinn") for n in range(40)]
    for instance_id in ids[:15]:
        [task] = org.reads.ready_tasks(instance_id=instance_id)
        org.complete_task(task["id"], {"note": "done"}, "ann")
    draw, at = random.Random(28), now()
    with org.db.transaction() as session:
        for instance_id in ids:
            session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id).values(
                status=draw.choice(["running"] * 4 + ["suspended"]), team_id=draw.choice(TEAMS),
                service_area_id=draw.choice(AREAS)))
            session.execute(delete(InstanceParticipant).where(InstanceParticipant.instance_id == instance_id))
            for person in draw.sample(PEOPLE, draw.randint(0, 2)):
                session.execute(insert(InstanceParticipant).values(instance_id=instance_id, username=person))
        for task_id in session.scalars(select(UserTask.id)):
            element, name = draw.choice(STEPS)
            candidates = draw.sample(PEOPLE, draw.randint(0, 2))
            session.execute(update(UserTask).where(UserTask.id == task_id).values(
                role=draw.choice(ROLES), open_to_role=draw.random() < 0.3, candidates=candidates,
                assignee=draw.choice([None, None, *PEOPLE]), case_ref=draw.choice(REFS), element_id=element,
                name=name, urgent=draw.choice([None, None, None, "", "a child's safety"]),
                due_at=draw.choice([None, at + timedelta(hours=draw.randint(-200, 400)), at + timedelta(days=3)])))
            session.execute(delete(TaskCandidate).where(TaskCandidate.task_id == task_id))
            for person in candidates:
                session.execute(insert(TaskCandidate).values(task_id=task_id, username=person))
        today = at.date()
        for person, cover, first, last, cancelled in (("ann", "pat", today, today, None),
                                                      ("tom", "pia", today, today, at),
                                                      ("pat", "sue", date(2026, 10, 1), date(2026, 10, 2), None)):
            session.add(AwayPeriod(username=person, cover=cover, first_day=first, last_day=last, set_by=person,
                                   set_at=at, cancelled_at=cancelled))
    return org


def _tested_every_task(user: CurrentUser) -> tuple:
    """The inbox's clauses before issue 28: actionable_tasks tested on every ready task."""
    return access.actionable_tasks(user), access.inbox_clauses(user)[1]


def _or_visible(user: CurrentUser):
    """Case visibility before issue 28: an OR over every instance."""
    if user.has(*access.SEES_ACROSS):
        return access.visible_instances(user)
    named = select(InstanceParticipant.instance_id).where(InstanceParticipant.username == user.username)
    return or_(ProcessInstance.team_id.in_(user.managed_teams),
               ProcessInstance.service_area_id.in_(user.managed_services), ProcessInstance.id.in_(named))


@pytest.mark.parametrize("user", USERS, ids=lambda u: u.username)
def test_the_inbox_from_the_person_lists_what_testing_every_task_listed(shuffled, user):
    with shuffled.db.reading() as session:
        before = queries.ready_tasks(session, *_tested_every_task(user))
        after = queries.ready_tasks(session, *access.inbox_clauses(user))
        assert before, "a way in that lets nothing through proves nothing"
        assert after == before


@pytest.mark.parametrize("user", USERS, ids=lambda u: u.username)
def test_cases_from_the_person_are_the_ones_the_or_let_through(shuffled, user):
    with shuffled.db.reading() as session:
        def seen(clause):
            return list(session.scalars(select(ProcessInstance.id).where(clause).order_by(ProcessInstance.id)))
        assert seen(access.visible_instances(user)) == seen(_or_visible(user))


# --- My tasks: the page's former filtering in Python, kept here as the reference ---------------------

def _python_page(tasks: list[dict], where: TaskFilter, at) -> list[dict]:
    """What web/task_filters.narrowed kept and in what order, before the database did it."""
    week_end = end_of_week(at)

    def wanted(task):
        due = task["due_at"] and parse_instant(task["due_at"])
        return all((not where.step or task["element_id"] == where.step,
                    not where.overdue or (due and due < at),
                    not where.due_week or (due and at <= due < week_end),
                    not where.urgent or bool(task["urgent"]),
                    not where.person or where.person in (task["candidates"] or []) or task["assignee"] == where.person))

    def due_key(task):
        return task["due_at"] is None, task["due_at"] or "", task["id"]

    if where.sort == "case":
        def order(task):
            return (not task["urgent"], (task["case_ref"] or "").lower(), due_key(task))
    else:
        def order(task):
            return (not task["urgent"], *due_key(task))
    return sorted((task for task in tasks if wanted(task)), key=order)


FILTERS = [TaskFilter(), TaskFilter(sort="case"), TaskFilter(overdue=True), TaskFilter(due_week=True),
           TaskFilter(urgent=True, sort="case"), TaskFilter(step="step_2"), TaskFilter(person="pat"),
           TaskFilter(case_ref="C-1"), TaskFilter(process_id="chain", overdue=True, sort="case"),
           TaskFilter(person="ann", urgent=True)]


@pytest.mark.parametrize("team", [False, True], ids=["mine", "teams"])
@pytest.mark.parametrize("user", USERS, ids=lambda u: u.username)
def test_my_tasks_paged_by_the_database_shows_what_the_page_showed(shuffled, user, team):
    at = now()
    ways_in = access.oversight_clauses(user) if team else access.inbox_clauses(user)
    reference_ways = ways_in if team else _tested_every_task(user)
    with shuffled.db.reading() as session:
        for where in FILTERS:
            listed = {k: v for k, v in (("case_ref", where.case_ref), ("process_id", where.process_id)) if v}
            every = queries.ready_tasks(session, *reference_ways, **listed)
            pages, number = [], 1
            while True:
                found = task_page(session, ways_in, at, where, number, page_size=4)
                pages += found["items"]
                if len(found["items"]) < 4:
                    break
                number += 1
            assert pages == _python_page(every, where, at), where
            assert found["total"] == len(pages)
            assert bool(found["urgent"]) == any(task["urgent"] for task in pages)
            assert sorted(found["steps"]) == sorted({(t["element_id"], t["name"]) for t in every})


def _counted_one_by_one(session, may_see, at, where: CaseFilter) -> dict[str, dict]:
    """The case list's facet counts before issue 28: a statement each, every one over the instances."""
    counts = {}
    for facet in FACETS:
        column = getattr(ProcessInstance, facet)
        query = select(column, func.count()).where(may_see, *where.clauses(at, leave_out=facet)).group_by(column)
        counts[facet] = {value: n for value, n in session.execute(query) if value is not None}
    return counts


@pytest.mark.parametrize("where", [CaseFilter(), CaseFilter(status="running"), CaseFilter(process_id="chain"),
                                   CaseFilter(status="suspended", service_area_id="children_in_care"),
                                   CaseFilter(overdue=True, process_id="chain", status="running")], ids=str)
def test_the_case_lists_counts_in_one_statement_are_the_counts_one_by_one(shuffled, where):
    at = now()
    with shuffled.db.reading() as session:
        for user in USERS:
            may_see = access.visible_instances(user)
            assert facet_counts(session, may_see, at, where) == _counted_one_by_one(session, may_see, at, where)
        assert any(_counted_one_by_one(session, access.visible_instances(u), at, where)["status"] for u in USERS)
