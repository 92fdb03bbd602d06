"""The figures of issue 27 as the reports page and its PDF show them (R-27, R-28): agreed actions,
re-audit movement per domain and moderation, each number with its definition beside it and a link
to the cases behind it (the case list narrowed by engine/reporting/figures.py's keys)."""
from engine.reporting.moderation import GRADE_CHANGES

from . import svg_charts as charts
from .report_view import ACTION_STATES, CHANGES, INADEQUATE, STAGES, ReportView, cases_link, csv_link
from .svg_charts import StackedRow

EXCLUSIVE_STATES = ("done_on_time", "done_late", "not_done", "carried_into_reaudit", "open")  # add up to agreed

def share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole, 1)}%" if whole else "–"


class LearningView:
    """The sections of agreed actions, re-audit movement and moderation of one period's report."""

    def __init__(self, view: ReportView, teams: dict[str, str]):
        self.view, self.figure, self.teams = view, view.figure, teams
        self.actions = view.report["actions"]
        self.moderation = view.report["moderation"]

    def cell(self, key: str, value, text: str | None = None) -> dict:
        return {"value": value, "text": text if text is not None else str(value),
                "href": cases_link(self.figure, key), "csv": csv_link(self.figure, key)}

    # --- agreed actions (R-27) -----------------------------------------------------------------

    def action_states(self) -> list[dict]:
        agreed = self.actions["agreed"]
        return [{"name": name, "definition": definition, "key": state,
                 **self.cell(f"action:{state}", self.actions[state],
                             f"{self.actions[state]}" + ("" if state == "agreed" else
                                                         f" ({share(self.actions[state], agreed)})"))}
                for state, (name, definition) in ACTION_STATES.items()]

    def actions_chart(self):
        agreed = self.actions["agreed"]
        return charts.bars([self.view.bar(ACTION_STATES[state][0], self.actions[state], f"action:{state}", agreed,
                                          state) for state in EXCLUSIVE_STATES])

    def actions_by(self, which: str) -> list[dict]:
        """Rows of service areas (which="area") or teams: each state's count, linked."""
        counts = self.actions["by_service_area" if which == "area" else "by_team"]
        names = self.view.areas if which == "area" else self.teams
        return [{"name": self.view.name(names, place),
                 "cells": [self.cell(f"action_{which}:{place}:{state}", row[state]) for state in ACTION_STATES]}
                for place, row in counts.items()]

    def inadequate(self) -> list[dict]:
        counts = self.actions["inadequate"]
        grade = counts["grade"]
        grade_name = self.view.name(self.view.grades, grade)
        return [{"words": words.format(grade=grade_name), **self.cell(f"action_grade:{grade}:{what}", counts[what])}
                for what, words in INADEQUATE.items()]

    # --- re-audit movement (R-28) ----------------------------------------------------------------

    def movement_chart(self):
        rows = []
        for domain, counts in self._by_domain_name(self.view.report["reaudit_domains"]):
            segments = [self.view.bar(CHANGES[change], counts[change], f"movement:{domain}:{change}", colour=change)
                        for change in GRADE_CHANGES if counts[change]]
            rows.append(StackedRow(self.view.name(self.view.domains, domain), sum(counts.values()), segments))
        return charts.stacked(rows)

    def agreement(self) -> list[dict]:
        return [{"name": self.view.name(self.view.domains, domain), "same": counts["same"],
                 "compared": counts["compared"], "percent": counts["percent"],
                 "href": cases_link(self.figure, f"movement:{domain}:same")}
                for domain, counts in self._by_domain_name(self.moderation["reaudit_agreement"])]

    def _by_domain_name(self, counts: dict) -> list[tuple[str, dict]]:
        return sorted(counts.items(), key=lambda item: self.view.name(self.view.domains, item[0]))

    # --- moderation (R-28) ----------------------------------------------------------------------

    def returned(self) -> dict:
        audits = self.moderation["audits"]
        return {"audits": audits, "returns": self.moderation["qa_returns"],
                "per_audit": self.moderation["returns_per_audit"],
                **self.cell("moderation:qa_returned", self.moderation["qa_returned"],
                            f"{self.moderation['qa_returned']} ({share(self.moderation['qa_returned'], audits)})")}

    def stages(self) -> list[dict]:
        return [{"name": name, "definition": definition, "compared": self._changed(counts)["compared"],
                 **self._changed(counts, f"moderation:{stage}")}
                for stage, (name, definition) in STAGES.items()
                for counts in [self.moderation["grade_changed"][stage]]]

    def stages_by_domain(self) -> list[dict]:
        return [{"name": self.view.name(self.view.domains, domain),
                 "cells": [self._changed(stages[stage], f"moderation_domain:{domain}:{stage}") for stage in STAGES]}
                for domain, stages in self._by_domain_name(self.moderation["by_domain"])]

    def stages_by_auditor(self) -> list[dict]:
        return [{"name": auditor, "audits": counts["audits"],
                 "returned": self.cell(f"moderation_auditor:{auditor}:qa_returned", counts["qa_returned"]),
                 "cells": [self._changed(counts["grade_changed"][stage], f"moderation_auditor:{auditor}:{stage}")
                           for stage in STAGES]}
                for auditor, counts in self.moderation["by_auditor"].items()]

    def _changed(self, counts: dict, key: str | None = None) -> dict:
        """"3 of 40 (7.5%)": how many changed of those compared, linked to the changed ones."""
        text = f"{counts['changed']} of {counts['compared']} ({share(counts['changed'], counts['compared'])})"
        if key is None:
            return {"compared": counts["compared"]}
        return {**self.cell(key, counts["changed"], text), "compared": counts["compared"]}
