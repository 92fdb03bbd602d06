"""One signed-in person at the service. Every read is filtered by what they may see and every verb
checks their access in the same transaction as it acts (R-81), so that the API and the pages are
two faces of one layer: a route parses, makes one call here, and dumps what it answers.

Who may do what: a task is visible to whoever may act on it (named, open to a role they hold, or
holding it) or may see its instance; an instance they may not see is 404 for every verb, except
to the roles that act on versions and errors rather than on cases (migrators, administrators).
Claiming and completing need the right to act (else 403); a task held by another is 409.
Releasing is for its holder, or an operator freeing a task whose holder is away.
"""
from engine.caller.cases import CaseVerbs
from engine.caller.definitions import DefinitionVerbs
from engine.caller.handover import HandoverVerbs
from engine.caller.messages import MessageVerbs
from engine.caller.operating import OperatingVerbs
from engine.caller.overview import OverviewVerbs
from engine.caller.replays import ReplayVerbs
from engine.caller.tasks import TaskVerbs


class Caller(TaskVerbs, HandoverVerbs, MessageVerbs, CaseVerbs, OverviewVerbs, DefinitionVerbs, OperatingVerbs,
             ReplayVerbs):
    """One signed-in person at the service: the verbs of the files beside this one, by noun."""
