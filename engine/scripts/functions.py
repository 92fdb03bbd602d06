"""The functions BPMN scripts and expressions may call, bound to the service's calendar and clock."""
import functools

from engine.calendar import WorkingCalendar
from engine.clock import now
from engine.grades import grade_rank, grade_title
from engine.scripts.effects import EFFECT_FUNCTIONS, task_functions
from engine.scripts.sandbox import SandboxedScriptEngine, runtime_builtins


def script_functions(calendar: WorkingCalendar) -> dict:
    return {
        "add_working_days": calendar.add_working_days,
        "working_days_before": calendar.working_days_before,
        "end_of_day": calendar.end_of,
        "working_days_between": calendar.working_days_between,
        "first_working_day": calendar.first_working_day,
        "last_working_day": calendar.last_working_day,
        "now": lambda: now().isoformat(),
        "grade_rank": grade_rank,
        "grade_title": grade_title,
    }


class ServiceScriptEngine(SandboxedScriptEngine):
    """Scripts also get notify, record_on_case and start_process, bound to the task they run in."""

    def execute(self, task, script, external_context=None):
        return super().execute(task, script, (external_context or {}) | task_functions(task))

    def reserved_names(self) -> frozenset[str]:
        return reserved_names()


@functools.cache
def reserved_names() -> frozenset[str]:
    """Names no data field may take: the functions and builtins scripts call (a field of that name
    would hide the function from every script of the instance)."""
    return frozenset(script_functions(WorkingCalendar())) | set(runtime_builtins()) | EFFECT_FUNCTIONS


def make_script_engine(calendar: WorkingCalendar) -> ServiceScriptEngine:
    return ServiceScriptEngine(functions=script_functions(calendar))
