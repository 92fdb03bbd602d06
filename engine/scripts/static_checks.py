"""What the sandbox can tell about a script before it runs: a loop that never ends, a constant
too big to build, an expression that would change data. Deploys refuse these, naming the line;
what only the data reveals is left to the step's budget (budget.py) at run time."""
import ast
import operator
import re
from collections.abc import Callable
from typing import Any

from engine.scripts import budget
from engine.scripts.budget import MUTATING_METHODS, BudgetExceeded

_UNKNOWN = object()
_BINARY = {ast.Mult: budget.guarded_mul, ast.Pow: budget.guarded_pow, ast.LShift: budget.guarded_lshift,
           ast.Add: budget.guarded_add, ast.Mod: budget.guarded_mod, ast.Sub: operator.sub,
           ast.FloorDiv: operator.floordiv, ast.BitOr: operator.or_, ast.BitAnd: operator.and_}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}
_SIZE_CALLS = {"range": budget.guarded_range, "pow": budget.guarded_pow}


def static_problems(tree: ast.AST, pure: bool = False) -> list[tuple[int, str]]:
    """(line, message) for each thing the budget would stop, and for expressions (`pure`) each
    attempt to change data."""
    problems = []
    with budget.budget(budget.Budget()):
        for node in ast.walk(tree):
            if isinstance(node, ast.While) and _always_true(node.test) and not _leaves(node.body):
                problems.append((node.lineno, f"Line {node.lineno}: the loop never ends: exceeded its budget"))
            elif isinstance(node, (ast.BinOp, ast.Call)):
                message = _too_big(node)
                if message:
                    problems.append((node.lineno, f"Line {node.lineno}: {message}"))
            elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
                problems += _format_spec_problems(node)
            if pure:
                problems += _impure(node)
    return list(dict.fromkeys(problems))  # an oversized constant once, not once per sub-expression


def _always_true(test: ast.expr) -> bool:
    value = _fold(test)
    return value is not _UNKNOWN and bool(value)


def _leaves(body: list[ast.stmt]) -> bool:
    """Whether a loop body can leave the loop: a break of this loop, a return or a raise."""
    for statement in body:
        for node in _walk_this_loop(statement):
            if isinstance(node, (ast.Break, ast.Return, ast.Raise)):
                return True
    return False


def _walk_this_loop(node: ast.AST):
    """ast.walk without descending into nested loops' bodies (their breaks are theirs) or functions."""
    yield node
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return
    for name, value in ast.iter_fields(node):
        if isinstance(node, (ast.While, ast.For)) and name in ("body", "orelse"):
            # Only a return or raise inside a nested loop leaves ours.
            for child in value:
                yield from (n for n in _walk_this_loop(child) if isinstance(n, (ast.Return, ast.Raise)))
            continue
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ast.AST):
                yield from _walk_this_loop(child)


def _too_big(node: ast.BinOp | ast.Call) -> str | None:
    try:
        if isinstance(node, ast.BinOp):
            _fold(node)
        elif isinstance(node.func, ast.Name) and node.func.id in _SIZE_CALLS and not node.keywords:
            args = [_fold(a) for a in node.args]
            if all(a is not _UNKNOWN for a in args):
                _SIZE_CALLS[node.func.id](*args)
    except BudgetExceeded as over:
        return over.message
    except Exception:  # noqa: BLE001 - a constant that fails (1/0) fails at run time, with its line
        return None
    return None


def _fold(node: ast.expr):
    """The value of a constant expression, built through the budget's guards; _UNKNOWN otherwise."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bytes, bool, type(None))):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        value = _fold(node.operand)
        return _UNKNOWN if value is _UNKNOWN else _UNARY[type(node.op)](value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        value = _fold(node.operand)
        return _UNKNOWN if value is _UNKNOWN else not value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _fold(node.left), _fold(node.right)
        if left is _UNKNOWN or right is _UNKNOWN:
            return _UNKNOWN
        return _BINARY[type(node.op)](left, right)
    return _UNKNOWN


def _format_spec_problems(node: ast.FormattedValue) -> list[tuple[int, str]]:
    """f"{x:>20}": a width is a size like any other; a width computed at run time is refused."""
    parts = node.format_spec.values if isinstance(node.format_spec, ast.JoinedStr) else [node.format_spec]
    if not all(isinstance(p, ast.Constant) for p in parts):
        return [(node.lineno, f"Line {node.lineno}: a format specification computed at run time is not allowed")]
    widths = [int(w) for w in re.findall(r"\d+", "".join(str(p.value) for p in parts if isinstance(p, ast.Constant)))]
    if widths and max(widths) > budget.MAX_ITEMS:
        return [(node.lineno, f"Line {node.lineno}: exceeded its budget: a formatted value of {max(widths):,} "
                              f"characters; at most {budget.MAX_ITEMS:,}")]
    return []


def _impure(node: ast.AST) -> list[tuple[int, str]]:
    if isinstance(node, ast.NamedExpr):
        return [(node.lineno, f"Line {node.lineno}: ':=' assigns; a condition, timer or decision cell must not")]
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in MUTATING_METHODS):
        return [(node.lineno, f"Line {node.lineno}: '.{node.func.attr}(...)' changes data; "
                              "a condition, timer or decision cell must not")]
    return []
