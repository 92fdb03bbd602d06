"""Across cases: the overview, the audit year and the audit report (R-60, R-61), each narrowed to
what the person oversees."""

from engine.allocation.year import as_of as audit_year_at
from engine.calendar import LONDON
from engine.caller.base import Door
from engine.clock import now
from engine.people import access
from engine.reporting.actions import dao_list_actions
from engine.reporting.audit_report import alert_report_rows, audit_report_rows
from engine.reporting.figures import Figure
from engine.reporting.pack import audit_pack
from engine.views.case_list import CaseFilter, area_counts, step_counts
from engine.views.cycle_overview import cycle_overview


class OverviewVerbs(Door):
    def dashboard(self, cycle: str | None = None) -> dict:
        """For the roles that see across, and managers for their area: the audit cycle's open cases
        (this month's unless told) by step and by service area, and every open step by the process it
        belongs to, with how many are past their deadline."""
        with self.db.reading() as session:
            access.require_oversight(self.user)
            may_see, at = access.visible_instances(self.user), now()
            local = at.astimezone(LONDON)
            cycle = cycle or f"{local.year:04d}-{local.month:02d}"
            this_cycle, running = CaseFilter(status="running", cycle=cycle), CaseFilter(status="running")
            return {"cycle": cycle, "cycle_steps": step_counts(session, may_see, at, this_cycle),
                    "cycle_areas": area_counts(session, may_see, at, this_cycle),
                    "open_steps": step_counts(session, may_see, at, running)}

    def audit_year(self, year: int | None = None) -> dict:
        """The audit year (this one unless told) as engine/views/cycle_overview.py counts it: for the roles
        that see across, and for managers their area's cases and their own people's audits (R-12)."""
        with self.db.reading() as session:
            access.require_oversight(self.user)
            at = now()
            among = None if self.user.has(*access.SEES_ACROSS) else access.people_managed(self.user)
            return cycle_overview(session, self.engine.ctx, access.visible_instances(self.user), at,
                                  year if year is not None else audit_year_at(at), auditors_among=among)

    def audit_report(self, figure: Figure, compare: bool = False) -> dict:
        """For the roles that see across: the report of the figure's period (engine/reporting/pack.py)."""
        with self.db.reading() as session:
            access.require(self.user, *access.SEES_ACROSS)
            return audit_pack(session, figure, compare)

    def report_rows(self, figure: Figure) -> list[dict]:
        """For the roles that see across: the rows behind one figure, one per audit (or alert, or agreed
        action)."""
        with self.db.reading() as session:
            access.require(self.user, *access.SEES_ACROSS)
            scope, where = figure.scope, tuple(figure.clauses())
            if figure.counts_alerts:
                return alert_report_rows(session, scope, where)
            if figure.counts_actions:
                return dao_list_actions(session, [*scope.action_clauses(), *where])
            return audit_report_rows(session, scope.first, scope.last, scope.service_area, scope.audit_kind, where)

    def audit_report_between(self, first, last, service_area=None, audit_kind=None, rows: bool = False,
                             actions: bool = False):
        """The audit report of the API (R-60, R-61), or the rows behind it (one per audit, or with
        `actions` one per action agreed in the window, R-27): across the organisation, so for those who
        see across it (R-81)."""
        access.require(self.user, *access.SEES_ACROSS)
        if rows and actions:
            return self.engine.reads.action_report_rows(first, last, service_area, audit_kind)
        read = self.engine.reads.audit_report_rows if rows else self.engine.reads.audit_report
        return read(first, last, service_area, audit_kind)
