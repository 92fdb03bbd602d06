"""What an engine action does to an instance: run what is due, complete a task with data, or take
a message a person sent (engine/instances/messages.py). A failed action is kept with the instance's error
(as a dict) and replayed by a retry."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    """Fire what is due and run every engine step that can run now."""

    def as_dict(self) -> dict:
        return {"action": "run"}


@dataclass(frozen=True)
class Complete:
    task_id: str
    data: dict

    def as_dict(self) -> dict:
        return {"action": "complete", "task_id": self.task_id, "data": self.data}


@dataclass(frozen=True)
class Deliver:
    message: str
    fields: dict

    def as_dict(self) -> dict:
        return {"action": "message", "message": self.message, "fields": self.fields}


Command = Run | Complete | Deliver
RUN = Run()


def command_from(stored: dict) -> Command:
    """The command an instance's error kept, to replay it."""
    if stored.get("action") == "complete":
        return Complete(stored["task_id"], stored["data"])
    if stored.get("action") == "message":
        return Deliver(stored["message"], stored["fields"])
    return RUN
