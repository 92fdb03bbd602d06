"""Output shapes of tasks and process instances, shared by the blueprints that answer with them.

The engine's views are plain dicts with times already in ISO 8601; these schemas decide which of
their fields a client sees.
"""
from marshmallow import Schema, fields, validate

NO_NUL = validate.Regexp(r"\A[^\x00]*\Z", error="must not contain NUL characters")  # PostgreSQL refuses them


def Text(**kwargs) -> fields.String:  # noqa: N802 (a field, named like one)
    """A string field both databases can store."""
    return fields.String(validate=NO_NUL, **kwargs)


class TaskSchema(Schema):
    """A user task as inboxes and instance views list it."""
    id = fields.String()
    instance_id = fields.Integer()
    process_id = fields.String()
    element_id = fields.String()
    name = fields.String()
    role = fields.String()
    candidates = fields.List(fields.String(),
                             metadata={"description": "people named to act; empty: anyone with the role"})
    assignee = fields.String(allow_none=True, metadata={"description": "who holds (claimed) it"})
    due_at = fields.String(allow_none=True)
    case_ref = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "ready, completed or cancelled"})
    completed_by = fields.String(allow_none=True)
    urgent = fields.String(allow_none=True, metadata={"description": "why it comes first, in words (a child's safety); "
                                                                     "null for other tasks"})


class TaskDetailSchema(TaskSchema):
    form = fields.Dict(allow_none=True, metadata={"description": "the form's JSON Schema"})
    ui = fields.Dict(allow_none=True, metadata={"description": "the form's UI schema"})
    data = fields.Dict(metadata={"description": "the task's current values"})


class InstanceTimerSchema(Schema):
    element_id = fields.String()
    name = fields.String(allow_none=True)
    due_at = fields.String()


class InstanceSchema(Schema):
    """A process instance with its data, user tasks, waiting timers and the instances it started."""
    id = fields.Integer()
    process_id = fields.String()
    version = fields.Integer()
    status = fields.String(metadata={"description": "running, suspended, completed, terminated or error"})
    case_ref = fields.String(allow_none=True)
    data = fields.Dict()
    error = fields.Dict(allow_none=True, metadata={"description": "element, message and line, in error"})
    revision = fields.Integer()
    tasks = fields.List(fields.Nested(TaskSchema), metadata={"description": "ready and completed user tasks"})
    timers = fields.List(fields.Nested(InstanceTimerSchema))
    children = fields.List(fields.Integer())


class InstanceSummarySchema(Schema):
    """A process instance in a list: no case data."""
    id = fields.Integer()
    process_id = fields.String()
    version = fields.Integer()
    status = fields.String()
    case_ref = fields.String(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    started_by = fields.String()
    created_at = fields.String()
    updated_at = fields.String()


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """A page of a list: {"items", "page", "page_size", "total"}."""
    return Schema.from_dict({"items": fields.List(fields.Nested(item)), "page": fields.Integer(),
                             "page_size": fields.Integer(), "total": fields.Integer()}, name=name)


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


InstancePageSchema = page_schema(InstanceSummarySchema, "InstancePageSchema")


class HistoryEventSchema(Schema):
    at = fields.String()
    actor = fields.String()
    event = fields.String()
    element_id = fields.String(allow_none=True)
    detail = fields.Dict()


class NoteSchema(Schema):
    """A note on a case (engine/instances/notes.py): never changed once posted."""
    id = fields.Integer()
    instance_id = fields.Integer()
    author = fields.String(metadata={"description": "username"})
    author_name = fields.String()
    created_at = fields.String()
    text = fields.String()
    task_id = fields.String(allow_none=True, metadata={"description": "the task it was left on, if any"})
    task_name = fields.String(allow_none=True)
