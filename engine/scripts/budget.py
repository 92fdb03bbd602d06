"""What one engine step's scripts and expressions may spend, and the guards that count it.

A step (a task completion, a timer firing) gets one Budget. The sandbox's compiler (sandbox.py)
puts a `_tick_()` in every loop body and function, routes every iteration through `_getiter_`,
and turns `*`, `**`, `<<`, `+` and `%` into the guards below, so that no script can spin for
ever, nor build a value bigger than MAX_ITEMS in one C call (`'a' * 10**9`, `range(10**12)`)
before anything could stop it. Between ticks the step's CPU time and the process's memory growth
are checked. Exceeding any of it raises BudgetExceeded, which is a BaseException so that a
script's own `except Exception` cannot swallow it; the runtime puts the instance in `error`
naming the element and line.
"""
import operator
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

MAX_STEPS = 1_000_000  # loop iterations, items iterated and function calls in one step
MAX_SECONDS = 2.0  # CPU time of one step's scripts and expressions
MAX_ITEMS = 1_000_000  # characters of one string, items of one list, dict, set or range
MAX_INT_BITS = 10_000  # bits of one integer (3,000 decimal digits)
MAX_MEMORY_BYTES = 256 * 1024 * 1024  # growth of the process's memory while one step runs
MEMORY_CHECK_SECONDS = 0.001  # how often a tick looks at the process's memory
MAX_STATE_BYTES = 8 * 1024 * 1024  # the saved state of one instance (every task's data), by default
MAX_ANSWER_BYTES = 256 * 1024  # the data given to start an instance or complete a task, as JSON

SIZED = (str, bytes, list, tuple, dict, set, frozenset, range)
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class BudgetExceeded(BaseException):
    """A script or expression went over its step's budget. `element_id` and `line` are set by the
    script engine, which knows which task was running."""

    def __init__(self, what: str):
        super().__init__(f"exceeded its budget: {what}")
        self.message = str(self)
        self.element_id: str | None = None
        self.line: int | None = None


@dataclass
class Budget:
    max_steps: int = MAX_STEPS
    max_seconds: float = MAX_SECONDS
    max_memory: int = MAX_MEMORY_BYTES
    max_data_bytes: int = MAX_STATE_BYTES  # what the data a step leaves may take once saved
    steps: int = 0
    started: float = field(default_factory=time.thread_time)
    memory_at_start: int = field(default_factory=lambda: resident_bytes())
    memory_checked: float = 0.0
    spent: str | None = None  # once over, every later tick fails too

    def tick(self) -> None:
        if self.spent:
            raise BudgetExceeded(self.spent)
        self.steps += 1
        if self.steps & 15:  # reading the CPU clock costs more than the rest of a tick
            return
        if self.steps > self.max_steps:
            self._over(f"more than {self.max_steps:,} loop iterations or calls")
        cpu = time.thread_time()
        if cpu - self.started > self.max_seconds:
            self._over(f"more than {self.max_seconds:g} s of processor time")
        if cpu - self.memory_checked > MEMORY_CHECK_SECONDS:
            self.check_memory(cpu)

    def check_memory(self, cpu: float | None = None) -> None:
        self.memory_checked = time.thread_time() if cpu is None else cpu
        grown = resident_bytes() - self.memory_at_start
        if grown > self.max_memory:
            self._over(f"the service's memory grew by more than {self.max_memory // 2**20} MB")

    def _over(self, what: str) -> None:
        self.spent = what
        raise BudgetExceeded(what)


_current: ContextVar[Budget | None] = ContextVar("script_budget", default=None)


@contextmanager
def budget(new: Budget | None = None) -> Iterator[Budget]:
    """Run a block on a budget: the one already running (a script inside a step), or a new one."""
    active = _current.get()
    if active is not None and new is None:
        yield active
        return
    active = new or Budget()
    token = _current.set(active)
    try:
        yield active
    finally:
        _current.reset(token)


def current() -> Budget:
    """The running step's budget. Guards called outside any (compiled code run by hand) get a
    fresh one per call, kept nowhere: a thread's lifetime must not add up to a step."""
    return _current.get() or Budget()


def resident_bytes() -> int:
    """The process's resident memory: /proc on Linux, else the peak the OS reports."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except OSError:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# --- the guards compiled into every script -----------------------------------------------------

def tick() -> None:
    current().tick()


def counted(iterable: Iterable) -> Iterator:
    """`for x in it` and comprehensions: one tick per item."""
    budget_now = current()
    for item in iter(iterable):
        budget_now.tick()
        yield item


def _too_many(count: int, what: str) -> None:
    if count > MAX_ITEMS:
        current()._over(f"{what} of {count:,} items; at most {MAX_ITEMS:,}")


def _too_big_int(bits: int) -> None:
    if bits > MAX_INT_BITS:
        current()._over(f"an integer of about {bits:,} bits; at most {MAX_INT_BITS:,}")


def _checked(result):
    """A value just built: large ones make the step look at memory at once."""
    if isinstance(result, SIZED) and len(result) > 65_536:
        current().check_memory()
    return result


def _repeat_count(value) -> int | None:
    return operator.index(value) if isinstance(value, (int, bool)) else None


def guarded_mul(left, right):
    if isinstance(left, SIZED) and (n := _repeat_count(right)) is not None:
        _too_many(len(left) * max(n, 0), "a repeated value")
    elif isinstance(right, SIZED) and (n := _repeat_count(left)) is not None:
        _too_many(len(right) * max(n, 0), "a repeated value")
    elif isinstance(left, int) and isinstance(right, int):
        _too_big_int(left.bit_length() + right.bit_length())
    return _checked(left * right)


def guarded_pow(base, exponent, modulo=None):
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0:
        if modulo is None:
            _too_big_int(max(base.bit_length() - 1, 0) * exponent)
        else:
            _too_big_int(max(exponent.bit_length(), modulo.bit_length() if isinstance(modulo, int) else 0))
    return base ** exponent if modulo is None else pow(base, exponent, modulo)


def guarded_lshift(left, right):
    if isinstance(left, int) and isinstance(right, int):
        _too_big_int(left.bit_length() + max(right, 0))
    return left << right


def guarded_add(left, right):
    if isinstance(left, SIZED) and isinstance(right, SIZED):
        _too_many(len(left) + len(right), "a joined value")
        return _checked(left + right)
    return left + right


_PRINTF_WIDTH = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def guarded_mod(left, right):
    """`"%10s" % x`: widths are bounded like every other size; `*` widths are refused."""
    if isinstance(left, str):
        for width, precision in _PRINTF_WIDTH.findall(left):
            for number in (width, precision):
                if number == "*":
                    current()._over("a '*' width in %-formatting")
                if number:
                    _too_many(int(number), "a formatted value")
        _too_many(len(left), "a format string")
        return _checked(left % right)
    return left % right


BINARY_GUARDS = {"_mul_": guarded_mul, "_pow_": guarded_pow, "_lshift_": guarded_lshift,
                 "_add_": guarded_add, "_mod_": guarded_mod}


def guarded_range(*args):
    result = range(*args)
    _too_many(len(result), "a range")
    return result


def guarded_join(separator: str, items) -> str:
    items = list(counted(items)) if not isinstance(items, SIZED) else list(items)
    _too_many(sum(len(i) for i in items if isinstance(i, str)) + len(separator) * max(len(items) - 1, 0),
              "a joined string")
    return _checked(separator.join(items))


def guarded_replace(text: str, old: str, new: str, count: int = -1) -> str:
    places = len(text) + 1 if not old else text.count(old)
    if count >= 0:
        places = min(places, count)
    _too_many(len(text) + places * max(len(new) - len(old), 0), "a replaced string")
    return _checked(text.replace(old, new, count))


def _padded(method: str):
    def pad(text: str, width, *args):
        _too_many(operator.index(width), f"a string padded by {method}")
        return getattr(text, method)(width, *args)
    return pad


def guarded_expandtabs(text: str, tabsize: int = 8) -> str:
    _too_many(len(text) * max(operator.index(tabsize), 1), "a string with tabs expanded")
    return text.expandtabs(tabsize)


def _growing(method: str):
    """list.extend, dict.update, ...: the container may not pass MAX_ITEMS."""
    def grow(container, *args, **kwargs):
        result = getattr(container, method)(*args, **kwargs)
        _too_many(len(container), f"a {type(container).__name__}")
        _checked(container)
        return result
    return grow


# The methods scripts may call on task data (JSON values): the ones that can build a large value
# are guarded; any other method of these types is refused (e.g. str.translate, str.format).
STR_METHODS = {
    "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum", "isalpha", "isdecimal",
    "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "lower", "lstrip", "partition",
    "removeprefix", "removesuffix", "rfind", "rindex", "rpartition", "rsplit", "rstrip", "split",
    "splitlines", "startswith", "strip", "swapcase", "title", "upper",
}
GUARDED_METHODS: dict[type, dict[str, Callable]] = {
    str: {"join": guarded_join, "replace": guarded_replace, "center": _padded("center"),
          "ljust": _padded("ljust"), "rjust": _padded("rjust"), "zfill": _padded("zfill"),
          "expandtabs": guarded_expandtabs},
    list: {name: _growing(name) for name in ("append", "extend", "insert")},
    dict: {name: _growing(name) for name in ("update", "setdefault")},
    set: {name: _growing(name) for name in ("add", "update", "symmetric_difference_update")},
}
PLAIN_METHODS = {
    str: STR_METHODS,
    list: {"clear", "copy", "count", "index", "pop", "remove", "reverse", "sort"},
    dict: {"clear", "copy", "get", "items", "keys", "pop", "popitem", "values"},
    set: {"clear", "copy", "difference", "difference_update", "discard", "intersection", "intersection_update",
          "isdisjoint", "issubset", "issuperset", "pop", "remove", "symmetric_difference", "union"},
    frozenset: {"copy", "difference", "intersection", "isdisjoint", "issubset", "issuperset",
                "symmetric_difference", "union"},
    tuple: {"count", "index"},
    int: {"bit_length"},
    float: {"is_integer"},
    bool: set(),
}


def data_method(obj, name: str):
    """The method `name` of a JSON value (or of its type: `str.join`), guarded where it can build a
    large value; None when `obj` is neither. Raises AttributeError for a method scripts may not call."""
    kind = obj if isinstance(obj, type) and obj in PLAIN_METHODS else type(obj)
    if kind not in PLAIN_METHODS:
        return None
    guarded = GUARDED_METHODS.get(kind, {}).get(name)
    if guarded is not None:
        return guarded if obj is kind else lambda *args, **kwargs: guarded(obj, *args, **kwargs)
    if name in PLAIN_METHODS[kind]:
        return getattr(obj, name)
    raise AttributeError(f"'{kind.__name__}.{name}' is not allowed in scripts")


# Methods that change the value they are called on: an expression (a gateway condition, a timer,
# a decision-table cell) may not call them, so that deciding a path never changes the case.
MUTATING_METHODS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "setdefault",
    "popitem", "add", "discard", "difference_update", "intersection_update", "symmetric_difference_update",
})
