"""Away and cover (issue 23, item 2): a person marked away from one day to another names a cover,
who may act on the person's tasks in that window: those naming them, and those they hold. Nothing
is copied onto the tasks, so the cover's right starts and ends with the window by itself, and new
tasks for the away person reach the cover too.

Who may mark someone away: the person themself, the manager of their team, the managers of its
service area (service manager, head of service, assistant director), and administrators.
"""
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from engine.calendar import london_date
from engine.clock import now
from engine.errors import Forbidden, InvalidData, NotFound, Sentence
from engine.models import AwayPeriod, Person, PersonRole, Team
from engine.people.access import ADMINISTRATORS, covered_now, people_managed
from engine.people.accounts import CurrentUser

LONGEST = 366  # days: a longer absence is a change of post, not cover


def covers_now(session: Session, cover: str, person: str | None) -> bool:
    """Whether `cover` covers `person` today."""
    return person is not None and person in set(session.scalars(covered_now(cover)))


def away_today(session: Session, usernames: set[str]) -> dict[str, AwayPeriod]:
    """{username: their away period covering today} for those of `usernames` who are away."""
    if not usernames:
        return {}
    today = london_date(now())
    rows = session.scalars(select(AwayPeriod).where(
        AwayPeriod.username.in_(usernames), AwayPeriod.cancelled_at.is_(None),
        AwayPeriod.first_day <= today, AwayPeriod.last_day >= today).order_by(AwayPeriod.id))
    return {row.username: row for row in rows}


def may_mark_away(session: Session, user: CurrentUser, username: str) -> bool:
    if user.username == username or user.has(*ADMINISTRATORS):
        return True
    person = session.get(Person, username)
    team = session.get(Team, person.team_id) if person and person.team_id else None
    return team is not None and (team.id in user.managed_teams or team.service_area_id in user.managed_services)


def people_marked_by(session: Session, user: CurrentUser) -> list[tuple[str, str]]:
    """(username, name) of the active people the user may mark away besides themself, by name:
    everyone for an administrator, else the people of the teams and service areas they manage."""
    query = select(Person.username, Person.display_name).where(Person.active.is_(True),
                                                               Person.username != user.username)
    if not user.has(*ADMINISTRATORS):
        query = query.where(Person.username.in_(people_managed(user)))
    query = query.order_by(Person.display_name, Person.username)
    return [(username, name) for username, name in session.execute(query)]


def dao_mark_away(session: Session, user: CurrentUser, username: str, cover: str, first_day: date,
                  last_day: date) -> AwayPeriod:
    """Record an away period after checking it (403 for someone the user may not mark away,
    422 naming each wrong field)."""
    if session.get(Person, username) is None:
        raise NotFound(f"no person {username}")
    if not may_mark_away(session, user, username):
        raise Forbidden("only the person, their managers or an administrator may mark them away")
    errors = _period_errors(session, username, cover, first_day, last_day)
    if errors:
        raise InvalidData("the away period is not valid", errors)
    period = AwayPeriod(username=username, cover=cover, first_day=first_day, last_day=last_day,
                        set_by=user.username, set_at=now())
    session.add(period)
    session.flush()
    return period


def dao_cancel_away(session: Session, user: CurrentUser, period_id: int, username: str | None = None) -> AwayPeriod:
    """Cancel a period (kept, marked cancelled); 404 for one of someone else or the user may not mark away."""
    period = session.get(AwayPeriod, period_id)
    if period is None or username not in (None, period.username) or not may_mark_away(session, user,
                                                                                       period.username):
        raise NotFound(f"no away period {period_id}")
    if period.cancelled_at is None:
        period.cancelled_at = now()
    return period


def away_periods(session: Session, username: str, include_past: bool = False) -> list[AwayPeriod]:
    """The person's away periods not cancelled, current and future (and past with include_past)."""
    query = select(AwayPeriod).where(AwayPeriod.username == username, AwayPeriod.cancelled_at.is_(None))
    if not include_past:
        query = query.where(AwayPeriod.last_day >= london_date(now()))
    return list(session.scalars(query.order_by(AwayPeriod.first_day, AwayPeriod.id)))


def covering(session: Session, cover: str) -> list[AwayPeriod]:
    """The away periods, current and future, in which `cover` covers someone."""
    today = london_date(now())
    return list(session.scalars(select(AwayPeriod).where(
        AwayPeriod.cover == cover, AwayPeriod.cancelled_at.is_(None), AwayPeriod.last_day >= today)
        .order_by(AwayPeriod.first_day, AwayPeriod.id)))


def _period_errors(session: Session, username: str, cover: str, first_day: date, last_day: date) -> dict:
    errors: dict[str, list[str]] = {}
    cover_row = session.get(Person, cover) if cover else None
    if cover_row is None or not cover_row.active:
        errors["cover"] = [Sentence("Select a cover who is an active member of staff")]
    elif cover == username:
        errors["cover"] = [Sentence("Select someone else to cover: a person cannot cover themself")]
    elif not _shares_a_role(session, username, cover):
        errors["cover"] = [Sentence("Select a cover who holds one of the roles of the person away")]
    if last_day < first_day:
        errors["last_day"] = [Sentence("The last day must be the same as or after the first day")]
    elif (last_day - first_day).days >= LONGEST:
        errors["last_day"] = [Sentence(f"An away period must be shorter than {LONGEST} days")]
    elif last_day < london_date(now()):
        errors["last_day"] = [Sentence("The last day must be today or in the future")]
    if not errors.get("last_day") and _overlaps(session, username, first_day, last_day):
        errors["first_day"] = [Sentence("These days overlap another away period: cancel it first")]
    return errors


def _shares_a_role(session: Session, username: str, cover: str) -> bool:
    roles: dict[str, set[str]] = {person: set() for person in (username, cover)}
    for person, role in session.execute(select(PersonRole.username, PersonRole.role_id)
                                         .where(PersonRole.username.in_(roles))):
        roles[person].add(role)
    return bool(roles[username] & roles[cover]) or not roles[username]


def _overlaps(session: Session, username: str, first_day: date, last_day: date) -> bool:
    clash = select(AwayPeriod.id).where(AwayPeriod.username == username, AwayPeriod.cancelled_at.is_(None),
                                        and_(AwayPeriod.first_day <= last_day, AwayPeriod.last_day >= first_day))
    return session.scalar(clash.limit(1)) is not None


def period_view(period: AwayPeriod, names: dict[str, str]) -> dict:
    return {"id": period.id, "username": period.username, "name": names.get(period.username, period.username),
            "cover": period.cover, "cover_name": names.get(period.cover, period.cover),
            "first_day": period.first_day, "last_day": period.last_day, "set_by": period.set_by,
            "set_at": period.set_at}

