"""Who may act on a ready task: resolved from the instance's data when the task becomes ready.

The default resolver binds a role to a person named in the data under that role's id (the
start data of a case audit names its `auditor` and `practitioner`). An empty list means anyone
holding the role may act. The organisation directory plugs in a richer resolver (R-03).
"""
from collections.abc import Callable

CandidateResolver = Callable[[object, str, dict], list[str]]


def data_bound_candidates(session, role: str, data: dict) -> list[str]:
    named = data.get(role)
    if isinstance(named, str) and named:
        return [named]
    if isinstance(named, list):
        return [person for person in named if isinstance(person, str)]
    return []
