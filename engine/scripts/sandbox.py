"""Run BPMN/DMN scripts and expressions under RestrictedPython with an allow-list of functions.

SandboxedScriptEngine is the PythonScriptEngine to give every BpmnWorkflow.
"""
import ast
import functools
import operator
import re
import traceback
import types
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Literal, TypeVar

from RestrictedPython import compile_restricted, safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr_raise,
)
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.limits import MAX_DEPTH
from engine.scripts import budget
from engine.scripts.aggregate_guards import (
    ScriptStr,
    SizedPrintCollector,
    guarded_mod,
    guarded_repr,
    guarded_sum,
    text_sized,
)
from engine.scripts.budget import MUTATING_METHODS, BudgetExceeded
from engine.scripts.data_weight import RefersToItself, weigh
from engine.scripts.static_checks import static_problems

_Node = TypeVar("_Node", bound=ast.AST)

SCRIPT_FILENAME = "<script>"

FORBIDDEN_NAMES = frozenset({
    "eval", "exec", "open", "compile", "globals", "locals", "vars", "getattr",
    "__import__", "breakpoint", "input",
})
# Not given to scripts: setting attributes and defining classes serve no diagram, and the
# exceptions a step's budget raises must not be caught (budget.BudgetExceeded is a BaseException).
WITHHELD_BUILTINS = ("setattr", "delattr", "__build_class__", "BaseException", "GeneratorExit",
                     "KeyboardInterrupt", "SystemExit")

EXTRA_BUILTINS: dict[str, Any] = {
    # RestrictedPython leaves sorted/zip/tuple out because they iterate in C, bypassing _getiter_.
    # What they can iterate is bounded: ranges and values by budget.MAX_ITEMS, and a generator
    # a script writes ticks in its own loop.
    "min": min, "max": max, "sum": guarded_sum, "repr": guarded_repr, "sorted": sorted, "any": any, "all": all,
    "enumerate": enumerate, "zip": zip, "len": len, "abs": abs,
    "round": round, "dict": dict, "list": list, "set": set, "frozenset": frozenset,
    "str": ScriptStr, "int": int, "float": float, "bool": bool, "tuple": tuple,
    "isinstance": isinstance, "map": map, "filter": filter, "reversed": reversed,
    "range": budget.guarded_range, "pow": budget.guarded_pow,
}

INPLACE_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+=": budget.guarded_add, "-=": operator.sub, "*=": budget.guarded_mul, "**=": budget.guarded_pow,
    "/=": operator.truediv, "//=": operator.floordiv, "%=": guarded_mod, "<<=": budget.guarded_lshift,
}
# Operators that can build a large value in one C call, and the guard each becomes (budget.py).
GUARDED_OPERATORS = {ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_", ast.Add: "_add_",
                     ast.Mod: "_mod_"}

RESTRICTED_LINE = re.compile(r"^Line (\d+):")


# What Python's parser raises for a text it cannot read: a syntax error, a NUL byte, or nesting its
# recursive parser cannot walk. The deploy's other checks pass over such a script; compiling it here
# refuses it with a sentence.
UNPARSEABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


class ScriptRejected(Exception):
    """A script or expression the sandbox refuses; .message and .line (int | None, 1-based within the source)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def compile_expression(source: str) -> types.CodeType:
    # eval() ignores leading spaces and tabs; compile() in "eval" mode does not.
    return _compile(source.lstrip(" \t"), "eval")


def compile_script(source: str) -> types.CodeType:
    return _compile(source, "exec")


@functools.lru_cache(maxsize=2048)
def _compile(source: str, mode: Literal["eval", "exec"]) -> types.CodeType:
    try:
        tree = _parse(source, mode)
        _refuse_forbidden_nodes(tree)
        _refuse(static_problems(tree, pure=mode == "eval"))
        return compile_restricted(source, filename=SCRIPT_FILENAME, mode=mode, policy=BudgetedTransformer)
    except SyntaxError as err:
        raise _rejection_from_syntax_error(err) from None
    except (RecursionError, MemoryError):
        # Python's parser and the checks walk the tree recursively: thousands of nested attributes or
        # operators exhaust them. No script a process owner writes comes near it.
        raise ScriptRejected("Line 1: the script nests too deeply to be checked (attributes, operators or "
                             "brackets inside each other hundreds of times)", 1) from None


class BudgetedTransformer(RestrictingNodeTransformer):
    """RestrictedPython's checks, plus the budget's guards (budget.py): a tick in every loop and
    function, and the operators that can build large values routed through their guards."""

    def visit_While(self, node: ast.While):
        node = super().visit_While(node)  # type: ignore[assignment]  # RestrictedPython gives back the node it was given
        node.body.insert(0, _placed_at(ast.Expr(_call("_tick_")), node))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef):
        node = super().visit_FunctionDef(node)  # type: ignore[assignment]  # the node it was given
        node.body.insert(0, _placed_at(ast.Expr(_call("_tick_")), node))
        return node

    def visit_Lambda(self, node: ast.Lambda):
        node = super().visit_Lambda(node)  # type: ignore[assignment]  # the node it was given
        node.body = _placed_at(ast.BoolOp(ast.Or(), [_call("_tick_"), node.body]), node.body)
        return node

    def visit_BinOp(self, node: ast.BinOp):
        node = super().visit_BinOp(node)  # type: ignore[assignment]  # the node it was given
        guard = GUARDED_OPERATORS.get(type(node.op))
        return _placed_at(_call(guard, node.left, node.right), node) if guard else node

    def visit_FormattedValue(self, node: ast.FormattedValue):
        node = super().visit_FormattedValue(node)  # type: ignore[assignment]  # the node it was given
        node.value = _placed_at(_call("_text_sized_", node.value), node.value)
        return node

    def visit_ClassDef(self, node: ast.ClassDef):
        self.error(node, "class definitions are not allowed in scripts")

    def visit_ExceptHandler(self, node: ast.ExceptHandler):
        if node.type is None:
            self.error(node, "a bare 'except:' is not allowed; write 'except Exception:'")
        return super().visit_ExceptHandler(node)


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


def _placed_at(new: _Node, old: ast.AST) -> _Node:
    """A node the transformer made, at the line of the one it stands for (tracebacks name it)."""
    return ast.fix_missing_locations(ast.copy_location(new, old))


def _parse(source: str, mode: str) -> ast.AST:
    try:
        return ast.parse(source, filename=SCRIPT_FILENAME, mode=mode)
    except SyntaxError as err:
        raise _rejection_from_syntax_error(err) from None


def _refuse_forbidden_nodes(tree: ast.AST) -> None:
    _refuse(_forbidden_nodes(tree))


def _refuse(violations: list[tuple[int, str]]) -> None:
    violations = sorted(violations)
    if violations:
        first_line = violations[0][0]
        raise ScriptRejected("; ".join(message for _, message in violations), first_line)


def _forbidden_nodes(tree: ast.AST) -> list[tuple[int, str]]:
    violations = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            violations.append((node.lineno, f"Line {node.lineno}: import statements are not allowed"))
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            violations.append((node.lineno, f"Line {node.lineno}: '{node.id}' is not allowed"))
    return violations


def _rejection_from_syntax_error(err: SyntaxError) -> ScriptRejected:
    # compile_restricted reports policy violations as SyntaxError(("Line N: ...", ...)).
    if err.args and isinstance(err.args[0], (list, tuple)):
        errors = [str(error) for error in err.args[0]]
        match = RESTRICTED_LINE.match(errors[0]) if errors else None
        return ScriptRejected("; ".join(errors), int(match.group(1)) if match else None)
    return ScriptRejected(f"Line {err.lineno}: SyntaxError: {err.msg}", err.lineno)


def guarded_inplacevar(op: str, target: Any, value: Any) -> Any:
    """Implements `x op= value`, which RestrictedPython rewrites to `x = _inplacevar_(op, x, value)`."""
    try:
        return INPLACE_OPERATORS[op](target, value)
    except KeyError:
        raise NotImplementedError(f"'{op}' is not allowed in scripts") from None


def guarded_getitem(container: Any, key: Any) -> Any:
    return container[key]


def guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """Methods of task data (JSON values) from the budget's allow-list; anything else as
    RestrictedPython allows it (no `_` names, no str.format)."""
    method = budget.data_method(str if obj is ScriptStr else obj, name)
    return method if method is not None else safer_getattr_raise(obj, name)


def pure_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """guarded_getattr for expressions, which decide and must not change data."""
    if name in MUTATING_METHODS and budget.data_method(obj, name) is not None:
        raise AttributeError(f"'{name}' changes data; a condition, timer or decision cell must not")
    return guarded_getattr(obj, name)


def guarded_apply(function: Callable, *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


def runtime_builtins() -> dict[str, Any]:
    builtins = {**safe_builtins, **EXTRA_BUILTINS}
    for name in (*FORBIDDEN_NAMES, *WITHHELD_BUILTINS):
        builtins.pop(name, None)
    return builtins


GUARDS: dict[str, Any] = {
    "_getattr_": guarded_getattr,
    "_getitem_": guarded_getitem,
    "_getiter_": budget.counted,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": guarded_inplacevar,
    "_apply_": guarded_apply,
    "_print_": SizedPrintCollector,
    "_tick_": budget.tick,
    "_text_sized_": text_sized,
    **budget.BINARY_GUARDS,
    "_mod_": guarded_mod,
}
EXPRESSION_GUARDS = GUARDS | {"_getattr_": pure_getattr}


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions and executes scripts in RestrictedPython against task data."""

    def __init__(self, functions: dict[str, Callable] | None = None):
        functions = dict(functions or {})
        _refuse_unreachable_functions(functions)
        super().__init__(functions)
        self.builtins = runtime_builtins()

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        code = compile_expression(expression)
        with budget.budget():
            result = eval(code, self._namespace(context, external_context or {}, EXPRESSION_GUARDS))
            if isinstance(result, (str, list, tuple, dict, set, frozenset)):  # a decision cell's output is data
                _refuse_heavy({"the expression's value": result})
            return result

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        external_context = external_context or {}
        self._refuse_shadowed_functions(context, external_context)
        code = compile_script(script)
        namespace = self._namespace(context, external_context, GUARDS)
        running = _running_script.set((self, context, namespace, external_context))
        try:
            with budget.budget():
                exec(code, namespace)
        finally:
            _running_script.reset(running)
        with budget.budget():
            self._write_back(namespace, context, external_context)
        return True

    def data_so_far(self, context: dict, namespace: dict, external_context: dict) -> dict:
        """The task data as a running script has it: what it has assigned so far included."""
        hidden = {name: value for name, value in context.items() if name.startswith("_")}
        return hidden | {name: value for name, value in namespace.items()
                         if self._is_task_data(name, value, external_context)}

    def _namespace(self, context: dict, external_context: dict, guards: dict) -> dict[str, Any]:
        # Scripts cannot name anything starting with "_", and such task data must never replace a guard.
        task_data = {name: value for name, value in context.items() if not name.startswith("_")}
        return {"__builtins__": self.builtins, **guards, **self.globals, **external_context, **task_data}

    def _write_back(self, namespace: dict, context: dict, external_context: dict) -> None:
        for name in [name for name in context if not name.startswith("_") and name not in namespace]:
            del context[name]
        written = {name: value for name, value in namespace.items()
                   if self._is_task_data(name, value, external_context)}
        _refuse_heavy(written)
        context.update(written)

    def _is_task_data(self, name: str, value: Any, external_context: dict) -> bool:
        return not (
            name.startswith("_")
            or name in self.globals
            or name in external_context
            or isinstance(value, types.ModuleType)
            or callable(value)
        )

    def _refuse_shadowed_functions(self, context: dict, external_context: dict) -> None:
        overwrites = (set(self.globals) | set(external_context)) & set(context)
        if overwrites:
            raise ValueError(
                "You have task data that overwrites a predefined function(s). Please change the "
                f"following variable or field name(s) to something else: {sorted(overwrites)}"
            )


def _refuse_heavy(values: dict[str, Any]) -> None:
    """Data a step leaves must nest at most MAX_DEPTH deep and take at most the budget's bytes once
    saved; weighed per distinct object (data_weight.py), before anything writes it out."""
    total, limit = 0, budget.current().max_data_bytes
    for name, value in values.items():
        try:
            weight = weigh(value)
        except RefersToItself:
            raise ValueError(f"'{name}' nests lists or dicts more than {MAX_DEPTH} levels deep "
                             "(it contains itself)") from None
        if weight.depth > MAX_DEPTH:
            raise ValueError(f"'{name}' nests lists or dicts more than {MAX_DEPTH} levels deep")
        total += weight.bytes
        if total > limit:
            budget.current()._over(f"the instance's data would take more than {limit:,} bytes once saved "
                                   f"('{name}' alone {weight.bytes:,}); at most {limit:,}")


# The script running now, so that a function it calls (notify) reads the data as the script has it
# at that line, not as the step began: `label = grade_title(grade)` then `notify(..., "{label}")`.
_running_script: ContextVar[tuple | None] = ContextVar("running_script", default=None)


def data_so_far(task_data: dict) -> dict:
    """`task_data`, with the assignments of the script running on it so far."""
    running = _running_script.get()
    if running is None or running[1] is not task_data:
        return task_data
    environment, context, namespace, external_context = running
    return environment.data_so_far(context, namespace, external_context)


def _refuse_unreachable_functions(functions: dict[str, Callable]) -> None:
    unreachable = sorted(name for name in functions if name.startswith("_") or name in FORBIDDEN_NAMES)
    if unreachable:
        raise ValueError(f"Scripts cannot call functions with these names: {unreachable}")


class SandboxedScriptEngine(PythonScriptEngine):
    """PythonScriptEngine running everything in a SandboxedEnvironment, with line numbers on errors."""

    def __init__(self, functions: dict[str, Callable] | None = None):
        super().__init__(environment=SandboxedEnvironment(functions))

    def evaluate(self, task, expression: str, external_context: dict | None = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except BudgetExceeded as over:
            raise _placed(over, task, expression) from None
        except SpiffWorkflowException as err:
            err.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as err:
            line_number, error_line = self.get_error_line_number_and_content(expression, err)
            raise WorkflowTaskException(
                f"Error evaluating expression '{expression}': {_describe(err)}",
                task=task, exception=err, line_number=line_number, error_line=error_line,
            ) from err

    def execute(self, task, script: str, external_context: dict | None = None) -> bool:
        try:
            return super().execute(task, script, external_context)
        except BudgetExceeded as over:
            raise _placed(over, task, script) from None

    def create_task_exec_exception(self, task, script: str, err: Exception) -> Exception:
        if isinstance(err, SpiffWorkflowException):
            return super().create_task_exec_exception(task, script, err)
        # The base class does `detail + err.args[0]`, a TypeError for e.g. KeyError(1).
        line_number, error_line = self.get_error_line_number_and_content(script, err)
        return WorkflowTaskException(
            _describe(err), task=task, exception=err, line_number=line_number, error_line=error_line
        )

    def get_error_line_number_and_content(self, script: str, err: Exception) -> tuple[int, str]:
        line_number = _error_line_number(err) or 0
        lines = script.splitlines()
        error_line = lines[line_number - 1] if 0 < line_number <= len(lines) else ""
        return line_number, error_line


def _placed(over: BudgetExceeded, task, source: str) -> BudgetExceeded:
    """The budget's error, told which element and line went over (the innermost script keeps its own)."""
    if over.element_id is None:
        over.element_id = getattr(task.task_spec, "bpmn_id", None)
        over.line = _error_line_number(over) or (1 if "\n" not in source.strip() else None)
    return over


def _error_line_number(err: BaseException) -> int | None:
    if isinstance(err, ScriptRejected):
        return err.line
    if isinstance(err, SyntaxError):
        return err.lineno
    script_frames = [
        frame for frame in traceback.extract_tb(err.__traceback__) if frame.filename == SCRIPT_FILENAME
    ]
    return script_frames[-1].lineno if script_frames else None


def _describe(err: Exception) -> str:
    message = str(err)
    return f"{err.__class__.__name__}: {message}" if message else err.__class__.__name__
