"""Where the bars of the reports' charts go: geometry worked out here, drawn as SVG by
templates/reports/_charts.html. Every bar carries its number as text beside it and a link to the
cases behind it; colour repeats what the labels say, it never says it alone."""
from dataclasses import dataclass, field

WIDTH = 720  # the viewBox: the SVG scales to its container, on screen and on paper
ROW = 30  # height of one bar's row
BAR = 20
CHAR = 9.0  # width of one character of a 15px label, at most: the label column fits the longest
NUMBER_ROOM = 130  # after the longest bar, for "63 (34.8%)"
COLUMN_AREA = 180  # height of a column chart's bars at 100%


# Fill and text colour per bar key. Each pair passes WCAG AA for its text; the labels carry the meaning.
COLOURS = {
    "outstanding": ("#1d70b8", "#ffffff"), "good": ("#00703c", "#ffffff"),
    "requires_improvement": ("#f47738", "#0b0c0c"), "inadequate": ("#aa2a16", "#ffffff"),
    "not_applicable": ("#b1b4b6", "#0b0c0c"), "met": ("#00703c", "#ffffff"), "missed": ("#aa2a16", "#ffffff"),
    "improved": ("#00703c", "#ffffff"), "same": ("#505a5f", "#ffffff"), "downgraded": ("#aa2a16", "#ffffff"),
    "grade_upheld": ("#505a5f", "#ffffff"), "grade_changed": ("#1d70b8", "#ffffff"),
}
DEFAULT_COLOUR = ("#1d70b8", "#ffffff")


@dataclass
class Bar:
    label: str
    value: int
    text: str  # the number beside the bar, e.g. "63 (34.8%)"
    href: str  # the cases behind it
    csv: str | None = None  # their rows
    key: str = ""  # a class for its colour: a grade, "met", "missed"
    x: float = 0
    y: float = 0
    width: float = 0

    @property
    def fill(self) -> str:
        return COLOURS.get(self.key, DEFAULT_COLOUR)[0]

    @property
    def ink(self) -> str:
        return COLOURS.get(self.key, DEFAULT_COLOUR)[1]

    @property
    def text_fits(self) -> bool:
        """Whether its number fits inside it (a stacked bar's part)."""
        return self.width >= len(self.text) * CHAR + 8


@dataclass
class Chart:
    label_width: float
    height: float
    rows: list = field(default_factory=list)


def bars(items: list[Bar]) -> Chart:
    """One horizontal bar per item, the longest the largest value."""
    label_width = _label_width(item.label for item in items)
    room = WIDTH - label_width - NUMBER_ROOM
    largest = max((item.value for item in items), default=0) or 1
    for index, item in enumerate(items):
        item.x, item.y = label_width, index * ROW + (ROW - BAR) / 2
        item.width = room * item.value / largest
    return Chart(label_width, max(1, len(items)) * ROW, items)


@dataclass
class StackedRow:
    label: str
    total: int
    segments: list[Bar]
    y: float = 0


def stacked(rows: list[StackedRow]) -> Chart:
    """One bar per row split into its parts (e.g. a domain's grades), each part's share of the
    row's total: rows of different sizes compare by their shares."""
    label_width = _label_width(row.label for row in rows)
    room = WIDTH - label_width - NUMBER_ROOM
    for index, row in enumerate(rows):
        row.y, x = index * ROW + (ROW - BAR) / 2, label_width
        for segment in row.segments:
            segment.x, segment.y = x, row.y
            segment.width = room * segment.value / row.total if row.total else 0
            x += segment.width
    return Chart(label_width, max(1, len(rows)) * ROW, rows)


def columns(items: list[Bar], percent: bool = True) -> Chart:
    """One column per item (a trend across cycles), as tall as its value (a percentage unless told)."""
    step = (WIDTH - 50) / max(1, len(items))
    top = 100 if percent else max((item.value for item in items), default=0) or 1
    for index, item in enumerate(items):
        item.width = min(60, step * 0.7)
        item.x = 50 + index * step + (step - item.width) / 2
        height = COLUMN_AREA * item.value / top
        item.y = 20 + COLUMN_AREA - height
    return Chart(0, COLUMN_AREA + 60, items)


def _label_width(labels) -> float:
    return min(320, max((len(label) for label in labels), default=10) * CHAR + 12)
