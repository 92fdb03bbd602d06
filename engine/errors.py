"""Domain errors. Each carries the HTTP status a client should see, so routes stay thin."""


class Sentence(str):
    """An error message written for people (engine/definitions/naming.py): a page shows it as it is, beside its
    field, instead of wording one from the field's label."""


class EngineError(Exception):
    status = 500
    title = "Engine error"

    def __init__(self, detail: str, errors: dict | list | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class NotFound(EngineError):
    status, title = 404, "Not found"


class Conflict(EngineError):
    """A stale write, a task no longer ready, an instance not active."""
    status, title = 409, "Conflict"


class InvalidDefinition(EngineError):
    """A deploy bundle that does not parse or breaks a deploy rule; `errors` lists each problem."""
    status, title = 422, "Invalid process definition"


class InvalidData(EngineError):
    """Task data that fails its form's schema; `errors` maps field paths to messages."""
    status, title = 422, "Invalid data"

    def by_field(self) -> dict[str, list[str]]:
        """The messages by field path, for a page to place; one not about a field under ""."""
        return self.errors if isinstance(self.errors, dict) else {"": [self.detail]}


class MigrationRefused(EngineError):
    status, title = 422, "Migration refused"


class Forbidden(EngineError):
    """The caller may see this but not do it (R-81)."""
    status, title = 403, "Forbidden"


class Unavailable(EngineError):
    """What the service needs (its database) cannot be reached just now: try again shortly."""
    status, title = 503, "Service Unavailable"
    retry_after = 30  # seconds: long enough for a database restart or fail-over
