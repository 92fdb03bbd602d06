"""What every door of a signed-in person holds (the engine, the person, the database) and the
checks more than one of them makes."""
from engine.clock import now
from engine.errors import Forbidden
from engine.instances.messages import CHILD_SAFETY_CONCERN
from engine.people import access
from engine.people.accounts import CurrentUser
from engine.views.previous_audit import agreed_actions, previous_audit


class Door:
    def __init__(self, engine, user: CurrentUser):
        self.engine, self.user, self.db = engine, user, engine.db

    def _may_raise_concern(self, session, instance_id: int, shown: dict) -> bool:
        """Whether a page offers "Raise a child-safety concern": the instance runs, its diagram takes
        one, and the person may raise it."""
        running = shown.get("instance_status", shown.get("status")) == "running"
        return (running and CHILD_SAFETY_CONCERN in shown["messages"]
                and access.may_raise_concern(session, self.user, instance_id))

    def _audits_seen(self, session, instance_id: int) -> dict:
        """What a case's page and its tasks' pages show of its audits (R-27): the audit of its case
        reference before this one, with its grades and how its agreed actions ended, and this one's
        agreed actions as they stand. Only for whoever may see the case: one who may act on a task
        of a case they may not see gets the task alone, as before."""
        if not access.may_see(session, self.user, instance_id):
            return {"previous_audit": None, "agreed_actions": []}
        at = now()
        return {"previous_audit": previous_audit(session, instance_id, access.visible_instances(self.user), at),
                "agreed_actions": agreed_actions(session, instance_id, at)}

    def _refuse_cover_of_own_case(self, session, task) -> None:
        """A cover acts for the person away, never on another role's step of a case where the cover
        is the practitioner (the check reassigning and naming make, engine/instances/handover.py)."""
        name = self.user.username
        if name in (task.candidates or []) or task.assignee == name or (task.open_to_role and self.user.has(task.role)):
            return  # named, holding it, or open to a role they hold: not through cover
        if task.role != "practitioner" and self.engine.case_data(session, task).get("practitioner") == name:
            raise Forbidden("you are this case's practitioner: you cannot take this step of your own case as cover")
