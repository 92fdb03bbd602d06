"""The grade scale (R-05) as policy: forms/grades.defs.json defines the grades, best first, with
their labels and which count as good or better. Forms refer to it; a process version runs with the
scale its forms were deployed with; reports read the newest deployed one. Scripts compare grades
with grade_rank() and name them with grade_title(), never by spelling the scale out."""
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import DefinitionFile

GRADE_DEFINITION = "grade"  # the name under $defs


@dataclass(frozen=True)
class GradeScale:
    grades: tuple[str, ...]  # best first
    titles: dict[str, str]
    good_or_better: frozenset[str]

    @classmethod
    def from_definition(cls, definition: dict) -> "GradeScale":
        options = [o for o in definition.get("oneOf", []) if isinstance(o, dict) and "const" in o]
        titles = {o["const"]: o["title"] if "title" in o else o["const"] for o in options}
        return cls(tuple(o["const"] for o in options), titles,
                   frozenset(o["const"] for o in options if o.get("x-good-or-better")))

    def rank(self, grade: str) -> int:
        """1 for the best grade, 2 for the next, ..."""
        if grade not in self.grades:
            raise ValueError(f"{grade!r} is not a grade (grades: {', '.join(self.grades)})")
        return self.grades.index(grade) + 1

    def title(self, grade: str) -> str:
        self.rank(grade)
        return self.titles[grade]


NO_SCALE = GradeScale((), {}, frozenset())


def scale_of_forms(forms: dict) -> GradeScale:
    """The scale a version's forms carry (the deploy copied it into each form that uses grades)."""
    for form in (forms or {}).values():
        definition = ((form.get("schema") or {}).get("$defs") or {}).get(GRADE_DEFINITION)
        if definition:
            return GradeScale.from_definition(definition)
    return NO_SCALE


_cached: dict[int, GradeScale] = {}


def dao_deployed_scale(session: Session) -> GradeScale:
    """The scale of the newest deployed shared definitions that define grades."""
    rows = session.execute(select(DefinitionFile.id, DefinitionFile.content).where(DefinitionFile.kind == "defs")
                           .order_by(DefinitionFile.id.desc()))
    for row_id, content in rows:
        if row_id not in _cached:
            definition = (json.loads(content).get("$defs") or {}).get(GRADE_DEFINITION)
            _cached[row_id] = GradeScale.from_definition(definition) if definition else NO_SCALE
        if _cached[row_id] is not NO_SCALE:
            return _cached[row_id]
    return NO_SCALE


# --- for scripts: the scale of the version whose step is running --------------------------------

_in_force: ContextVar[GradeScale] = ContextVar("grade_scale", default=NO_SCALE)


@contextmanager
def scale_in_force(scale: GradeScale):
    token = _in_force.set(scale)
    try:
        yield
    finally:
        _in_force.reset(token)


def grade_rank(grade: str) -> int:
    """For scripts: 1 for the best grade, 2 for the next... (compare two grades by their ranks)."""
    return _in_force.get().rank(grade)


def grade_title(grade: str) -> str:
    """For scripts: the grade as people read it, e.g. "Requires Improvement"."""
    return _in_force.get().title(grade)
