"""Where the bars of the reports' charts go: geometry worked out here, drawn as SVG by
templates/reports/_charts.html. Every bar carries its number as text beside it and a link to the
cases behind it; colour repeats what the labels say, it never says it alone."""
from dataclasses import dataclass, field

WIDTH = 720  # the viewBox: the SVG scales to its container, on screen and on paper
ROW = 30  # height of one bar's row, with a one-line label
LINE = 18  # each further line of a wrapped label makes its row this much taller
BAR = 20
LABEL_SIZE = 15  # font sizes, in viewBox units: the labels', the numbers' beside the bars (bold), inside them
NUMBER_SIZE = 15
PART_SIZE = 13
LABEL_MAX = 320  # the label column at most; a longer label wraps onto more lines
GAP = 8  # between a label and its bar, a bar and its number
EDGE = 4  # kept free at the drawing's left and right edges
TOTAL_ROOM = 130  # a stacked row's total on the right, e.g. "181 audits", "12 applied"
COLUMN_AREA = 180  # height of a column chart's bars at 100%


# Fill and text colour per bar key. Each pair passes WCAG AA for its text; the labels carry the meaning.
COLOURS = {
    "outstanding": ("#1d70b8", "#ffffff"), "good": ("#00703c", "#ffffff"),
    "requires_improvement": ("#f47738", "#0b0c0c"), "inadequate": ("#aa2a16", "#ffffff"),
    "not_applicable": ("#b1b4b6", "#0b0c0c"), "met": ("#00703c", "#ffffff"), "missed": ("#aa2a16", "#ffffff"),
    "improved": ("#00703c", "#ffffff"), "same": ("#505a5f", "#ffffff"), "downgraded": ("#aa2a16", "#ffffff"),
    "grade_upheld": ("#505a5f", "#ffffff"), "grade_changed": ("#1d70b8", "#ffffff"),
    "done_on_time": ("#00703c", "#ffffff"), "done_late": ("#f47738", "#0b0c0c"), "not_done": ("#aa2a16", "#ffffff"),
    "carried_into_reaudit": ("#505a5f", "#ffffff"), "open": ("#1d70b8", "#ffffff"),
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
    lines: list = field(default_factory=list)  # its label wrapped to the label column: (text, baseline)

    @property
    def fill(self) -> str:
        return COLOURS.get(self.key, DEFAULT_COLOUR)[0]

    @property
    def ink(self) -> str:
        return COLOURS.get(self.key, DEFAULT_COLOUR)[1]

    @property
    def text_fits(self) -> bool:
        """Whether its number fits inside it (a stacked bar's part)."""
        return self.width >= text_width(self.text, PART_SIZE) + 2 * EDGE


@dataclass
class Chart:
    label_width: float
    height: float
    rows: list = field(default_factory=list)

    @property
    def label_x(self) -> float:
        """Where the labels end (they are drawn anchored at their end), a gap before the bars."""
        return self.label_width - GAP

    @property
    def total_x(self) -> float:
        """Where a stacked row's total starts, right of the longest bar."""
        return WIDTH - TOTAL_ROOM + GAP


def bars(items: list[Bar]) -> Chart:
    """One horizontal bar per item, the longest the largest value; each number beside its bar."""
    label_width, height = _place_labels(items)
    numbers = max((text_width(item.text, NUMBER_SIZE, bold=True) for item in items), default=0)
    room = WIDTH - label_width - GAP - numbers - EDGE
    largest = max((item.value for item in items), default=0) or 1
    for item in items:
        item.x = label_width
        item.width = room * item.value / largest
    return Chart(label_width, height, items)


@dataclass
class StackedRow:
    label: str
    total: int
    segments: list[Bar]
    y: float = 0
    lines: list = field(default_factory=list)  # as a Bar's


def stacked(rows: list[StackedRow]) -> Chart:
    """One bar per row split into its parts (e.g. a domain's grades), each part's share of the
    row's total: rows of different sizes compare by their shares."""
    label_width, height = _place_labels(rows)
    room = WIDTH - label_width - TOTAL_ROOM
    for row in rows:
        x = label_width
        for segment in row.segments:
            segment.x, segment.y = x, row.y
            segment.width = room * segment.value / row.total if row.total else 0
            x += segment.width
    return Chart(label_width, height, rows)


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


# --- labels: measured, wrapped, placed ----------------------------------------------------------

def text_width(text: str, size: float, bold: bool = False) -> float:
    """How wide `text` is drawn at `size` in DejaVu Sans, the PDF's font. The pages' fonts (system-ui:
    Segoe UI, San Francisco, Roboto; Helvetica, Arial) are all narrower, and a browser without them
    falls back to DejaVu Sans: what fits by this measure fits on screen and on paper."""
    advances = _BOLD if bold else _REGULAR
    units = sum(advances[ord(c) - 32] if " " <= c <= "~" else _OTHER for c in text)
    return size * units / _UNITS_PER_EM


def wrap(label: str, width: float, size: float = LABEL_SIZE) -> list[str]:
    """`label` in lines no wider than `width`, broken between words (inside a word only when the word
    alone is wider)."""
    lines = []
    for word in label.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.extend(_break_word(word, width, size))
    return lines or [""]


def _break_word(word: str, width: float, size: float) -> list[str]:
    pieces = [""]
    for char in word:
        if pieces[-1] and text_width(pieces[-1] + char, size) > width:
            pieces.append("")
        pieces[-1] += char
    return pieces


def _place_labels(rows) -> tuple[float, float]:
    """Wraps each row's label to the label column and sets its row's place: a row is as tall as its
    label's lines, its bar in the middle and the lines centred on the bar. Answers the column's width
    (the widest line's, at most LABEL_MAX) and the rows' height (one empty row's when there are none)."""
    top, widest = 0.0, 0.0
    for row in rows:
        lines = wrap(row.label, LABEL_MAX - GAP - EDGE)
        widest = max([widest, *(text_width(line, LABEL_SIZE) for line in lines)])
        height = ROW + (len(lines) - 1) * LINE
        row.y = top + (height - BAR) / 2
        # One line's baseline is 15 below the bar's top (a 15px label centred on a 20px bar); more
        # lines share that centre.
        first = row.y + 15 - (len(lines) - 1) * LINE / 2
        row.lines = [(line, first + index * LINE) for index, line in enumerate(lines)]
        top += height
    return EDGE + widest + GAP, top or ROW


# Advance widths of DejaVu Sans and DejaVu Sans Bold (units per em: 2048) for the characters from
# space to tilde, read from the fonts (fontTools: hmtx of each character's glyph). Any other
# character counts as wide as the widest of them.
_UNITS_PER_EM = 2048
_REGULAR = (651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303,
    1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430,
    1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499,
    1401, 2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300,
    1298, 569, 569, 1186, 569, 1995, 1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212,
    1075, 1303, 690, 1303, 1716)
_BOLD = (713, 934, 1067, 1716, 1425, 2052, 1786, 627, 936, 936, 1071, 1716, 778, 850, 778, 748, 1425, 1425,
    1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 819, 819, 1716, 1716, 1716, 1188, 2048, 1585, 1561, 1503,
    1700, 1399, 1399, 1681, 1714, 762, 762, 1587, 1305, 2038, 1714, 1741, 1501, 1741, 1577, 1475, 1397, 1663,
    1585, 2259, 1579, 1483, 1485, 936, 748, 936, 1716, 1024, 1024, 1382, 1466, 1214, 1466, 1389, 891, 1466,
    1458, 702, 702, 1362, 702, 2134, 1458, 1407, 1466, 1466, 1010, 1219, 979, 1458, 1335, 1892, 1321, 1335,
    1192, 1458, 748, 1458, 1716)
_OTHER = 2259
