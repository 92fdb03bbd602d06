"""The audit report as the reports page and its PDF show it (R-60, R-61): each figure a chart,
its numbers, a table, a link to the cases behind every number and to their rows as CSV."""
from flask import url_for

from engine.reporting.figures import Figure
from engine.reporting.period import MONTHS, Period

from . import svg_charts as charts
from .svg_charts import Bar, StackedRow

# How the pages word the values the flows record (display text; the values are the flows').
AUDIT_KINDS = {"audit": "Audit", "re_audit": "Re-audit", "re_re_audit": "Second re-audit",
               "need_to_know": "Need-to-know audit", "thematic": "Themed audit"}
DEADLINES = {"completed_in_month": "Audit completed in its month", "qa_within_1_day": "QA within 1 working day",
             "amendment_in_time": "Amendments made in time (3 or 4 working days)",
             "findings_discussion_in_time": "Findings discussed in time (5 or 10 working days)"}
CHANGES = {"improved": "Improved", "same": "Same grade", "downgraded": "Downgraded"}
DISPUTE_STAGES = {"informal": "Informal", "formal": "Formal", "head_of_service": "Head of Service",
                  "assistant_director": "Assistant Director"}
DISPUTE_OUTCOMES = {"grade_upheld": "Grade upheld", "grade_changed": "Grade changed"}
ALERT_STAGES = {"1": "Stage 1: team and service manager", "2": "Stage 2: Head of Service",
                "3": "Stage 3: Assistant Director", "4": "Stage 4: Director"}
ALERT_OUTCOMES = {"resolved": "Resolved", "final_decision": "Director's final decision",
                  "unresolved": "Unresolved after stage 3, not exceptional"}
MET = {"met": "Met", "missed": "Missed"}
ACTION_STATES = {  # state -> (its name, its one-line definition)
    "agreed": ("Agreed", "SMART actions agreed in findings discussions in the period."),
    "done_on_time": ("Done on time", "Done, and completed by its due date."),
    "done_late": ("Done late", "Done, but completed after its due date."),
    "not_done": ("Not done", "Its owner recorded that it was not done."),
    "carried_into_reaudit": ("Carried into the re-audit", "Not done when the follow-up carried it into the re-audit."),
    "open": ("Open", "Not yet done, not done or carried."),
    "overdue": ("Overdue now", "Open, and its due date has passed."),
}
STAGES = {  # stage -> (its name, its one-line definition)
    "draft_discussed": ("Draft to discussed", "The grade changed in the discussion with the practitioner: "
                        "the draft against the grade first sent to QA."),
    "discussed_accepted": ("Discussed to accepted", "QA's return changed the grade: the grade first sent to QA "
                           "against the grade QA accepted."),
    "accepted_final": ("Accepted to final", "A dispute changed the grade: the grade QA accepted against the "
                       "final grade."),
}
INADEQUATE = {
    "agreed": "actions agreed after audits graded {grade}",
    "reaudit_started": "of them on cases whose next audit (the re-audit) has started",
    "done_before_reaudit": "of those done before the re-audit started",
}


def in_working_days(days: list[int]) -> str:
    """" (2 or 5 working days)": the deadlines the diagram gave, as the report read them; "" if none is known."""
    if not days:
        return ""
    numbers = ", ".join(map(str, days[:-1])) + " or " * (len(days) > 1) + str(days[-1])
    return f" ({numbers} working day{'s' * (days != [1])})"
UNKNOWN_NAME = "Not recorded"


def cases_link(figure: Figure, key: str) -> str:
    return url_for("web_cases.case_list", **figure.with_key(key).as_query())


def csv_link(figure: Figure, key: str) -> str:
    return url_for("web_reports.rows_csv", **figure.with_key(key).as_query())


class ReportView:
    """The sections of one period's report, each with what its template draws."""

    def __init__(self, figure: Figure, report: dict, labels: dict, areas: dict[str, str]):
        self.figure, self.report = figure, report
        self.grades = labels["grades"]
        self.domains = labels["domains"]
        self.areas = areas

    def bar(self, label: str, value: int, key: str, total: int | None = None, colour: str = "") -> Bar:
        text = f"{value}" + (f" ({_percent(value, total)}%)" if total else "")
        return Bar(label, value, text, cases_link(self.figure, key), csv_link(self.figure, key), colour)

    def name(self, names: dict, value: str) -> str:
        return UNKNOWN_NAME if value == "unknown" else names.get(value, value.replace("_", " ").capitalize())

    # --- the sections ----------------------------------------------------------------------

    @property
    def total(self) -> int:
        return self.report["total"]

    def by_service_area(self):
        counts = self.report["by_service_area"]
        return charts.bars([self.bar(self.name(self.areas, area), n, f"area:{area}", self.total)
                            for area, n in sorted(counts.items(), key=lambda item: -item[1])])

    def by_audit_kind(self):
        counts = self.report["by_audit_kind"]
        return charts.bars([self.bar(self.name(AUDIT_KINDS, kind), n, f"kind:{kind}", self.total)
                            for kind, n in sorted(counts.items(), key=lambda item: -item[1])])

    def by_grade(self):
        return charts.bars([self.bar(self.name(self.grades, grade), n, f"grade:{grade}", self.total, grade)
                            for grade, n in self.report["by_grade"].items()])

    def grade_sentence(self) -> str:
        """The briefing's shape: "181 cases: 1 outstanding, 63 good, ..."."""
        parts = [f"{n} {self.name(self.grades, grade).lower()}" for grade, n in self.report["by_grade"].items()]
        return f"{self.total} case{'s' if self.total != 1 else ''} audited: {', '.join(parts)}."

    def by_domain(self, themed: bool = False):
        counts = self.report["thematic_by_domain" if themed else "by_domain"]
        prefix = "thematic" if themed else "domain"
        order = [grade for grade, _ in self.domain_grades(themed)]
        rows = []
        for domain, grades in sorted(counts.items(), key=lambda item: self.name(self.domains, item[0])):
            segments = [self.bar(self.name(self.grades, grade), grades[grade], f"{prefix}:{domain}:{grade}",
                                 colour=grade) for grade in order if grades.get(grade)]
            rows.append(StackedRow(self.name(self.domains, domain), sum(grades.values()), segments))
        return charts.stacked(rows)

    def domain_grades(self, themed: bool = False) -> list[tuple[str, str]]:
        """(grade, its name) of the grades the domains were given, best first, not applicable last."""
        counts = self.report["thematic_by_domain" if themed else "by_domain"]
        present = {g for c in counts.values() for g in c}
        order = [*self.report["by_grade"], *sorted(present - set(self.report["by_grade"]))]
        return [(grade, self.name(self.grades, grade)) for grade in order if grade in present]

    def ranked_domains(self, which: str) -> list[str]:
        return [self.name(self.domains, domain) for domain in self.report[which]]

    def re_audits(self):
        outcomes = self.report["re_audit_outcomes"]
        total = sum(outcomes.values())
        return charts.bars([self.bar(self.name(CHANGES, change), n, f"change:{change}", total, change)
                            for change, n in outcomes.items()])

    def timeliness(self):
        rows = [self._met_row(self.name(DEADLINES, name), f"deadline:{name}", counts)
                for name, counts in self.report["timeliness"].items()]
        alerts = self.report["alerts"]
        if sum(alerts["answered_in_time"].values()):
            label = "Alerts answered within their deadlines" + in_working_days(alerts["deadline_working_days"])
            rows.append(self._met_row(label, "alert_in_time", alerts["answered_in_time"]))
        return charts.stacked(rows)

    def _met_row(self, label: str, key: str, counts: dict) -> StackedRow:
        total = counts["met"] + counts["missed"]
        segments = [self.bar(MET[result], counts[result], f"{key}:{result}", total, result)
                    for result in ("met", "missed") if counts[result]]
        return StackedRow(label, total, segments)

    def dispute_outcomes(self) -> list[tuple[str, str]]:
        present = {o for outcomes in self.report["disputes"]["by_stage"].values() for o in outcomes}
        return [(outcome, self.name(DISPUTE_OUTCOMES, outcome)) for outcome in sorted(present)]

    def disputes(self):
        rows = []
        for stage, outcomes in self.report["disputes"]["by_stage"].items():
            segments = [self.bar(self.name(DISPUTE_OUTCOMES, outcome), n, f"dispute:{stage}:{outcome}",
                                 colour=outcome) for outcome, n in outcomes.items()]
            rows.append(StackedRow(self.name(DISPUTE_STAGES, stage), sum(outcomes.values()), segments))
        return charts.stacked(rows)

    def alerts_by_stage(self):
        alerts = self.report["alerts"]
        return charts.bars([self.bar(self.name(ALERT_STAGES, stage), n, f"alert_stage:{stage}", alerts["total"])
                            for stage, n in alerts["by_final_stage"].items()])

    def alerts_by_outcome(self):
        alerts = self.report["alerts"]
        return charts.bars([self.bar(self.name(ALERT_OUTCOMES, outcome), n, f"alert_outcome:{outcome}",
                                     alerts["total"]) for outcome, n in alerts["by_outcome"].items()])

    def trend(self):
        points = self.report["trend"]
        return charts.columns([Bar(_short_cycle_name(p["cycle"]), p["good_or_better_percent"],
                                   f"{p['good_or_better_percent']}%", cases_link(self.figure, f"cycle:{p['cycle']}"),
                                   csv_link(self.figure, f"cycle:{p['cycle']}")) for p in points])

    def trend_rows(self) -> list[dict]:
        return [p | {"name": _cycle_name(p["cycle"]), "href": cases_link(self.figure, f"cycle:{p['cycle']}"),
                     "csv": csv_link(self.figure, f"cycle:{p['cycle']}")} for p in self.report["trend"]]


def describe(figure: Figure, labels: dict, areas: dict[str, str]) -> str:
    """What a figure counts, in words, for the case list it opens: "Audits completed in Quarter 3
    2026/27 (October to December 2026), graded Inadequate"."""
    view = ReportView(figure, {}, labels, areas)
    name, values = figure.name, figure.values
    counted = ("Alerts closed" if figure.counts_alerts else "Actions agreed" if figure.counts_actions
               else "Audits completed")
    if name == "disputes_open":
        counted, words = "Cases", "with a dispute open now"
    else:
        words = {
            "grade": lambda: f"graded {view.name(view.grades, values[0])}",
            "area": lambda: f"in {view.name(areas, values[0])}",
            "kind": lambda: f"of the kind {view.name(AUDIT_KINDS, values[0])}",
            "change": lambda: f"re-audits: {view.name(CHANGES, values[0]).lower()}",
            "cycle": lambda: f"of the {_cycle_name(values[0])} cycle",
            "domain": lambda: f"with {view.name(view.domains, values[0])} graded {view.name(view.grades, values[1])}",
            "thematic": lambda: f"themed, with {view.name(view.domains, values[0])} graded "
                                f"{view.name(view.grades, values[1])}",
            "deadline": lambda: f"{view.name(DEADLINES, values[0])}: {MET[values[1]].lower()}",
            "dispute": lambda: f"disputed, ending at the {view.name(DISPUTE_STAGES, values[0])} stage: "
                               f"{view.name(DISPUTE_OUTCOMES, values[1]).lower()}",
            "alert_stage": lambda: f"ending at {view.name(ALERT_STAGES, values[0])}",
            "alert_outcome": lambda: f"ending: {view.name(ALERT_OUTCOMES, values[0]).lower()}",
            "alert_in_time": lambda: f"answered within their deadlines: {'yes' if values[0] == 'met' else 'no'}",
            **_learning_words(view, values, areas),
        }.get(name, lambda: "")()
    period = f"in {figure.period.label}" + ("" if figure.period.kind == "month" else f" ({figure.period.span})")
    narrowed = [f"of {view.name(areas, figure.service_area)}" if figure.service_area else "",
                f"kind {AUDIT_KINDS.get(figure.audit_kind, figure.audit_kind)}" if figure.audit_kind else ""]
    return ", ".join(part for part in [f"{counted} {period}" if name != "disputes_open" else counted,
                                       *narrowed, words] if part)


def _learning_words(view: ReportView, values: list[str], areas: dict[str, str]) -> dict:
    """What issue 27's figures count, in words (engine/reporting/figures.py names them)."""
    def state(value: str) -> str:
        return ACTION_STATES.get(value, (value,))[0].lower()

    def stage(value: str) -> str:
        return "returned by QA at least once" if value == "qa_returned" else \
            f"grade changed: {STAGES.get(value, (value,))[0].lower()}"
    return {
        "action": lambda: state(values[0]),
        "action_area": lambda: f"in {view.name(areas, values[0])}: {state(values[1])}",
        "action_team": lambda: f"of the team {values[0]}: {state(values[1])}",
        "action_grade": lambda: f"after audits graded {view.name(view.grades, values[0])}: "
                                f"{INADEQUATE.get(values[1], values[1]).format(grade='so')}",
        "movement": lambda: f"re-audits with {view.name(view.domains, values[0])} "
                            f"{view.name(CHANGES, values[1]).lower()} against the audit before",
        "moderation": lambda: stage(values[0]),
        "moderation_domain": lambda: f"{view.name(view.domains, values[0])} {stage(values[1])}",
        "moderation_auditor": lambda: f"audited by {values[0]}, {stage(values[1])}",
    }


def legend(parts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(fill, name) of each (key, name)."""
    return [(charts.COLOURS.get(key, charts.DEFAULT_COLOUR)[0], name) for key, name in parts]


def comparison(compared: dict, grades: dict[str, str]) -> list[dict]:
    """The headline figures of this period beside the period before and the same period a year
    before, each with the change in words and an arrow."""
    this, before, year_before = compared["this"], compared["before"], compared["year_before"]
    rows = [("Cases audited", "total", "")]
    rows += [(f"Graded {grades.get(g, g)}", ("by_grade", g), "") for g in this["by_grade"]]
    rows += [("Good or better", "good_or_better_percent", "%"), ("Deadlines met", "deadlines_met_percent", "%"),
             ("Safety alerts closed", "alerts", "")]
    return [{"label": label, "unit": unit, "this": _value(this, key), "before": _change(this, before, key, unit),
             "year_before": _change(this, year_before, key, unit)} for label, key, unit in rows]


def _value(figures: dict, key):
    return figures[key[0]].get(key[1], 0) if isinstance(key, tuple) else figures[key]


def _change(this: dict, other: dict, key, unit: str) -> dict:
    now, then = _value(this, key), _value(other, key)
    if now is None or then is None:  # a share of nothing: no figure to compare
        return {"value": "–" if then is None else then, "direction": "none", "arrow": "", "words": "not comparable"}
    difference = round(now - then, 1)
    if unit == "" and isinstance(difference, float) and difference.is_integer():
        difference = int(difference)
    direction = "up" if difference > 0 else "down" if difference < 0 else "same"
    words = {"up": f"up {difference}{unit}", "down": f"down {-difference}{unit}", "same": "no change"}[direction]
    return {"value": then, "direction": direction, "arrow": {"up": "▲", "down": "▼", "same": "▶"}[direction],
            "words": words}


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _short_cycle_name(cycle: str) -> str:
    """"Nov 26": twelve of them fit under a year's columns."""
    year, month = cycle.split("-")
    return f"{MONTHS[int(month) - 1][:3]} {year[2:]}"


def _cycle_name(cycle: str) -> str:
    return Period.parse(cycle).label
