"""The functions BPMN scripts and expressions may call, bound to the service's calendar and clock."""
from .calendar import WorkingCalendar
from .clock import now
from .sandbox import SandboxedScriptEngine


def script_functions(calendar: WorkingCalendar) -> dict:
    return {
        "add_working_days": calendar.add_working_days,
        "working_days_between": calendar.working_days_between,
        "now": lambda: now().isoformat(),
    }


def make_script_engine(calendar: WorkingCalendar) -> SandboxedScriptEngine:
    return SandboxedScriptEngine(functions=script_functions(calendar))
