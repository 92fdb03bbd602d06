"""Guards for the builtins that build one big value in a single C call, out of the budget's ticks:
`sum(lists, [])` joins lists quadratically, and `str(x)`, `repr(x)`, `print(x)`, `f"{x}"` and
`"%s" % (x,)` write out every shared reference of `x` (`[s] * 5000` is 5,000 copies of `s`).
Each is weighed first (data_weight.py, linear in distinct objects) against budget.MAX_ITEMS.
"""

from RestrictedPython.PrintCollector import PrintCollector

from engine.scripts import budget
from engine.scripts.data_weight import RefersToItself, weigh

_CONTAINERS = (list, tuple, dict, set, frozenset)


def text_sized(value):
    """`value`, once its text (str, repr, an f-string's field) is known to fit in MAX_ITEMS characters."""
    if isinstance(value, _CONTAINERS):
        try:
            characters = weigh(value).bytes
        except RefersToItself:
            return value  # Python writes a self-reference as [...]: its text stays small
        budget._too_many(characters, "a value written as text")
    return value


def guarded_sum(items, start=0):
    """sum(): numbers in C as before; lists and tuples joined in Python, one tick per item and in
    linear time (C's sum copies the whole total at every item), never past MAX_ITEMS."""
    if not isinstance(start, (list, tuple)):
        return sum(items, start)
    total = list(start)
    for item in budget.counted(items):
        if type(item) is not type(start):
            raise TypeError(f'can only concatenate {type(start).__name__} (not "{type(item).__name__}") '
                            f"to {type(start).__name__}")
        budget._too_many(len(total) + len(item), "a joined value")
        total.extend(item)
    return total if isinstance(start, list) else tuple(total)


class _TextOf(type):
    """`isinstance(x, str)` in a script still asks about str."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, str)

    def __subclasscheck__(cls, other):
        return issubclass(other, str)


class ScriptStr(str, metaclass=_TextOf):
    """The `str` scripts see: `str(x)` weighs `x` first (also when called from C, as in `map(str, x)`),
    and answers a plain str."""

    def __new__(cls, *args, **kwargs):
        return str(*(text_sized(arg) for arg in args), **kwargs)


def guarded_repr(value):
    return repr(text_sized(value))


def guarded_mod(left, right):
    """`text % arguments`: the arguments are weighed too, then budget.guarded_mod bounds the widths."""
    if isinstance(left, str):
        for argument in right if isinstance(right, tuple) else (right,):
            text_sized(argument)
    return budget.guarded_mod(left, right)


class SizedPrintCollector(PrintCollector):
    """print() in scripts (its text is collected and dropped): each object is weighed first."""

    def _call_print(self, *objects, **kwargs):
        return super()._call_print(*(text_sized(obj) for obj in objects), **kwargs)
