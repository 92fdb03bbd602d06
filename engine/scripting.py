"""The functions BPMN scripts and expressions may call, bound to the service's calendar and clock."""
from .calendar import WorkingCalendar
from .clock import now
from .effects import task_functions
from .sandbox import SandboxedScriptEngine


def script_functions(calendar: WorkingCalendar) -> dict:
    return {
        "add_working_days": calendar.add_working_days,
        "working_days_between": calendar.working_days_between,
        "first_working_day": calendar.first_working_day,
        "last_working_day": calendar.last_working_day,
        "now": lambda: now().isoformat(),
    }


class ServiceScriptEngine(SandboxedScriptEngine):
    """Scripts also get notify, record_on_case and start_process, bound to the task they run in."""

    def execute(self, task, script, external_context=None):
        return super().execute(task, script, (external_context or {}) | task_functions(task))


def make_script_engine(calendar: WorkingCalendar) -> ServiceScriptEngine:
    return ServiceScriptEngine(functions=script_functions(calendar))
