"""A deploy problem: what is wrong, in which file, at which element and line."""
from dataclasses import dataclass


@dataclass
class Problem(Exception):
    file: str
    element_id: str | None
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.element_id:
            where += f", element {self.element_id}"
        if self.line:
            where += f", line {self.line}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "element_id": self.element_id, "line": self.line, "message": self.message}
