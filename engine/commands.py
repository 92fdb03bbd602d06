"""What an engine action does to an instance: run what is due, or complete a task with data. A
failed action is kept with the instance's error (as a dict) and replayed by a retry."""
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


Command = Run | Complete
RUN = Run()


def command_from(stored: dict) -> Command:
    """The command an instance's error kept, to replay it."""
    if stored.get("action") == "complete":
        return Complete(stored["task_id"], stored["data"])
    return RUN
