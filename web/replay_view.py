"""A replay's result (engine/replay/run.py ReplayResult.as_dict()) in the page's words: the figures
recorded against replayed with the difference, and the cases that stopped or changed path, each
step by its name in the diagram and each role by its label."""
from dataclasses import dataclass

from .display import in_a_sentence, process_names, role_label
from .report_view import ALERT_STAGES, DEADLINES


@dataclass(frozen=True)
class Row:
    label: str
    recorded: int | float | None
    replayed: int | float | None

    @property
    def difference(self) -> str:
        if self.recorded is None or self.replayed is None:
            return "Not known"
        change = self.replayed - self.recorded
        return f"{change:+g}" if change else "No change"


@dataclass(frozen=True)
class Table:
    caption: str
    key: str  # names the table for the tests: data-testid="figures-<key>"
    rows: list[Row]


def comparison(result: dict) -> list[Table]:
    """The figures of the compared cases, one table per kind, in the order the issue lists them."""
    was, now, processes = result["recorded"], result["replayed"], process_names()

    def rows(key: str, words) -> list[Row]:
        names = sorted({*was.get(key, {}), *now.get(key, {})})
        return [Row(words(name), was.get(key, {}).get(name, 0), now.get(key, {}).get(name, 0)) for name in names]

    deadlines = [Row(f"{DEADLINES.get(name, name)}: {state}", (was["deadlines"].get(name) or {}).get(state, 0),
                     (now["deadlines"].get(name) or {}).get(state, 0))
                 for name in sorted({*was["deadlines"], *now["deadlines"]}) for state in ("met", "missed")]
    to_role = rows("notifications_by_role", lambda r: f"To the {in_a_sentence(role_label(r))}")
    escalated_to = rows("escalations_by_role", lambda r: f"To the {in_a_sentence(role_label(r))}")
    days = [Row(label, was["working_days_to_completion"][key], now["working_days_to_completion"][key])
            for label, key in (("Median", "median"), ("90th percentile", "p90"))]
    return [
        Table("Deadlines met and missed", "deadlines", deadlines),
        Table("Notifications", "notifications", [Row("All notifications", was["notifications"], now["notifications"]),
                                                  *to_role]),
        Table("Escalations", "escalations", [Row("All escalations", was["escalations"], now["escalations"]),
                                              *escalated_to]),
        Table("Child-safety alerts by the stage they ended at", "alerts",
              rows("alerts_by_stage", lambda stage: ALERT_STAGES.get(stage, f"Stage {stage}"))),
        Table("Re-audits triggered", "reaudits", [Row("Re-audits", was["reaudits"], now["reaudits"])]),
        Table("Processes started", "started", rows("processes_started", lambda p: processes.get(p, p))),
        Table("Working days to completion", "days", days),
    ]


def stopped(cases: list[dict], step_names: dict[str, str]) -> list[dict]:
    """Diverged or failed cases: {"instance_id", "case_ref", "step", "reason"}."""
    return [{"instance_id": case["instance_id"], "case_ref": case["case_ref"] or f"Instance {case['instance_id']}",
             "step": step_names.get(case["element_id"], case["element_id"] or "its start"), "reason": case["reason"]}
            for case in cases]


def path_changes(changes: list[dict], step_names: dict[str, str]) -> list[dict]:
    """Each case whose path changed, with the step where it first did on each side (None: it had ended)."""
    def name(element_id: str | None) -> str | None:
        return step_names.get(element_id, element_id) if element_id else None
    return [{"instance_id": change["instance_id"],
             "case_ref": change["case_ref"] or f"Instance {change['instance_id']}",
             "recorded": name(change["recorded_element_id"]), "replayed": name(change["replayed_element_id"])}
            for change in changes]
