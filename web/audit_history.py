"""How the pages word a case's earlier audits and its agreed actions (R-27): the audit before this
one with its grades by domain and how its actions ended, on a task's page and a case's page; every
audit of a case reference on the page of that reference. The engine's view is
engine/views/previous_audit.py; this only words it."""
from doors import caller
from engine.calendar import LONDON, parse_instant

from .display import due
from .report_view import AUDIT_KINDS, CHANGES

# How an action stands, in words and a tag colour (the words carry the meaning, the colour repeats it).
STATES = {"done_on_time": ("Done on time", "green"), "done_late": ("Done late", "yellow"),
          "not_done": ("Not done", "red"), "overdue": ("Overdue", "red"), "open": ("Open", "blue")}
CLOSED = {"all_done": "Closed: all done", "carried_into_reaudit": "Carried into the re-audit"}


def audits_seen(detail: dict) -> dict:
    """A task's or a case's detail worded for its page: the previous audit and this one's actions."""
    labels = caller().report_labels()
    previous = detail.get("previous_audit")
    return {"previous_audit": previous and audit_words(previous, labels) | {
                "domains": domains_words(previous["domains"], labels), "actions": actions_block(previous["actions"])},
            "agreed_actions": actions_block(detail.get("agreed_actions") or [])}


def domains_words(domains: list[dict], labels: dict) -> list[dict]:
    """Domains by their titles, in the order forms/domains.defs.json gives them (as the audit tool asks them)."""
    order = {domain: n for n, domain in enumerate(labels["domains"])}
    ordered = sorted(domains, key=lambda d: (order.get(d["domain"], len(order)), d["domain"]))
    return [{"domain": labels["domains"].get(d["domain"], d["domain"]), "grade": _title(labels, d["grade"])}
            for d in ordered]


def audits_listed(audits: list[dict]) -> list[dict]:
    """Audits of a case in a table: kind, when completed, final grade, movement, actions."""
    labels = caller().report_labels()
    return [audit_words(audit, labels) | {"actions_words": counts_words(audit["actions"])} for audit in audits]


def audit_words(audit: dict, labels: dict) -> dict:
    return audit | {"kind": AUDIT_KINDS.get(audit["audit_kind"], audit["audit_kind"]),
                    "completed": day_in_words(audit["completed_at"]), "grade": _title(labels, audit["overall_grade"]),
                    "previous": _title(labels, audit["previous_grade"]) if audit["previous_grade"] else None,
                    "change": CHANGES.get(audit["grade_change"] or "", None)}


def actions_block(actions: list[dict]) -> dict:
    """{"rows", "closed"}: each action in words; how the loop was closed, said once when it was closed
    the same way on every action (as the follow-up closes it), else on each row it was closed on."""
    closings = {_closed(action) for action in actions}
    shared = closings.pop() if len(closings) == 1 else None
    return {"rows": [action | {"due": day_in_words(action["due_at"]), "outcome": _outcome(action),
                               "colour": STATES[action["state"]][1], "closed": None if shared else _closed(action)}
                     for action in actions],
            "closed": shared}


def counts_words(counts: dict[str, int]) -> str:
    """ "3 agreed: 2 done on time, 1 overdue", or "None recorded"."""
    if not counts.get("agreed"):
        return "None recorded"
    parts = [f"{counts[state]} {words[0].lower()}" for state, words in STATES.items() if counts.get(state)]
    return f"{counts['agreed']} agreed: {', '.join(parts)}"


def day_in_words(instant: str | None) -> str:
    if not instant:
        return ""
    day = parse_instant(instant).astimezone(LONDON)
    return f"{day.day} {day:%B %Y}"


def _outcome(action: dict) -> str:
    """"Done on time, 3 March 2026"; an open action by its deadline ("Overdue by 2 working days")."""
    words = STATES[action["state"]][0]
    if action["completed_at"]:
        return f"{words}, {day_in_words(action['completed_at'])}"
    if action["state"] in ("open", "overdue"):
        return due(action["due_at"])["words"]
    return words


def _closed(action: dict) -> str | None:
    closed = CLOSED.get(action["closed_as"] or "")
    if closed and action["closed_as"] == "carried_into_reaudit" and action["carried_reason"]:
        return f"{closed}: {action['carried_reason']}"
    return closed


def _title(labels: dict, grade: str | None) -> str:
    return labels["grades"].get(grade, grade) if grade else "Not graded"
