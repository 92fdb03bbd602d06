"""The audit pack the reports page and its PDF show (issue 14): a period's report, what the
reports call things, and the headline figures of the period before and of the same period a year
before, side by side."""
from sqlalchemy.orm import Session

from engine.grades import GradeScale, dao_deployed_scale
from engine.reporting.audit_report import audit_report, headline, headline_of
from engine.reporting.figures import Figure
from engine.reporting.labels import dao_report_labels
from engine.reporting.period import Period


def audit_pack(session: Session, figure: Figure, compare: bool = False) -> dict:
    """{"report", "labels", "questions"} of the figure's period, service area and kind; with `compare`,
    {"compared": {"this", "before", "year_before"}} too."""
    scope = figure.scope
    report = audit_report(session, scope.first, scope.last, scope.service_area, scope.audit_kind)
    labels = dao_report_labels(session)
    pack = {"report": report, "labels": labels,
            "questions": three_questions(report, labels, dao_deployed_scale(session))}
    if compare:
        pack["compared"] = compared(session, figure, report)
    return pack


def compared(session: Session, figure: Figure, report: dict) -> dict:
    """This period's headline from its report; each earlier period's from its own queries, once (a
    year's period before is also the year before)."""
    scope, earlier = figure.scope, {}
    this = headline_of(report["by_grade"], report["timeliness"], report["alerts"]["total"],
                       dao_deployed_scale(session))
    for period in (figure.period.before, figure.period.year_before):
        if period not in earlier:
            earlier[period] = headline(session, period.first, period.last, scope.service_area, scope.audit_kind)
    return {"this": this, "before": earlier[figure.period.before], "year_before": earlier[figure.period.year_before]}


# --- the inspectors' three questions (issue 27) ------------------------------------------------------

def three_questions(report: dict, labels: dict, scale: GradeScale) -> list[dict]:
    """What we know about the quality of practice, how we know it, and what we are doing about it,
    in sentences from the report's own figures (R-28): {"question", "answers": [sentence]}."""
    return [{"question": "What do we know about the quality of practice?", "answers": _quality(report, labels, scale)},
            {"question": "How do we know it?", "answers": _evidence(report)},
            {"question": "What are we doing about it?", "answers": _doing(report, labels)}]


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole, 1)}%" if whole else "none"


def _quality(report: dict, labels: dict, scale: GradeScale) -> list[str]:
    total = report["total"]
    good = sum(n for grade, n in report["by_grade"].items() if grade in scale.good_or_better)
    domains = labels["domains"]
    answers = [f"{total} audit{'s' * (total != 1)} completed: {_share(good, total)} good or better."]
    if report["strongest_domains"]:
        answers.append("Strongest practice: " + ", ".join(domains.get(d, d) for d in report["strongest_domains"])
                       + "; weakest: " + ", ".join(domains.get(d, d) for d in report["weakest_domains"]) + ".")
    trend = report["trend"]
    if len(trend) > 1:
        first, last = (Period.parse(point["cycle"]).label for point in (trend[0], trend[-1]))
        answers.append(f"Across the cycles the share good or better went from {trend[0]['good_or_better_percent']}% "
                       f"({first}) to {trend[-1]['good_or_better_percent']}% ({last}).")
    moved = report["re_audit_outcomes"]
    if sum(moved.values()):
        answers.append(f"Of {sum(moved.values())} re-audits, {moved['improved']} improved, {moved['same']} kept "
                       f"the grade and {moved['downgraded']} went down.")
    return answers


def _evidence(report: dict) -> list[str]:
    plan, moderation = report["plan"], report["moderation"]
    audits, changed = moderation["audits"], moderation["grade_changed"]
    answers = [f"{plan['completed']} of the {plan['planned']} case audits allocated to the period's cycles are "
               f"completed ({_share(plan['completed'], plan['planned'])})." if plan["planned"]
               else "No case audit was allocated to the period's cycles."]
    if audits:
        answers.append(f"QA returned {moderation['qa_returned']} of {audits} reports at least once "
                       f"({_share(moderation['qa_returned'], audits)}; {moderation['returns_per_audit']} returns "
                       "per audit).")
        answers.append("The overall grade changed in the discussion with the practitioner in "
                       f"{_changed(changed['draft_discussed'])}, at QA's return in "
                       f"{_changed(changed['discussed_accepted'])}, and in a dispute in "
                       f"{_changed(changed['accepted_final'])}.")
    agreement = moderation["reaudit_agreement"]
    same, compared = sum(a["same"] for a in agreement.values()), sum(a["compared"] for a in agreement.values())
    if compared:
        answers.append(f"Re-audits gave {same} of {compared} domains the grade of the audit before "
                       f"({_share(same, compared)} agreement).")
    answers.append("Moderation counts only audits whose grade at each stage was recorded.")
    return answers


def _changed(counts: dict) -> str:
    return f"{counts['changed']} of {counts['compared']} audits ({_share(counts['changed'], counts['compared'])})"


def _doing(report: dict, labels: dict) -> list[str]:
    actions = report["actions"]
    agreed, inadequate = actions["agreed"], actions["inadequate"]
    answers = [f"{agreed} SMART action{'s' * (agreed != 1)} agreed: {actions['done_on_time']} done on time, "
               f"{actions['done_late']} done late, {actions['not_done']} not done, {actions['carried_into_reaudit']} "
               f"carried into a re-audit and {actions['open']} open, {actions['overdue']} of them overdue."]
    if inadequate["agreed"]:
        grade = labels["grades"].get(inadequate["grade"], inadequate["grade"])
        answers.append(f"Of {inadequate['agreed']} actions agreed after audits graded {grade}, "
                       f"{inadequate['reaudit_started']} are on cases whose re-audit has started, and "
                       f"{inadequate['done_before_reaudit']} of those were done before it started.")
    return answers
