"""Shapes, orthogonal edge routes and label boxes for the BPMN layout."""
import itertools
import math
from dataclasses import dataclass

from .bpmn_graph import EVENTS, GATEWAYS, TASKS

COLUMN_WIDTH = 170
ROW_HEIGHT = 140
CHAR_WIDTH = 6
LINE_HEIGHT = 14
SIZES = {"dataObjectReference": (36, 50), "dataStoreReference": (50, 50), "textAnnotation": (100, 30)}

Point = tuple[int, int]


def size_of(kind: str) -> tuple[int, int]:
    if kind in TASKS:
        return 100, 80
    if kind in GATEWAYS:
        return 50, 50
    if kind in EVENTS or kind == "boundaryEvent":
        return 36, 36
    return SIZES.get(kind, (100, 80))


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @classmethod
    def around(cls, cx: int, cy: int, w: int, h: int) -> "Box":
        return cls(cx - w // 2, cy - h // 2, w, h)

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def cx(self) -> int:
        return self.x + self.w // 2

    @property
    def cy(self) -> int:
        return self.y + self.h // 2

    def overlaps(self, other: "Box") -> bool:
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom

    def crossed_by(self, a: Point, b: Point) -> bool:
        """Whether a segment passes through the inside (touching the border is fine); a slanted one is
        sampled, which is plenty for shapes tens of pixels wide."""
        low_x, high_x, low_y, high_y = min(a[0], b[0]), max(a[0], b[0]), min(a[1], b[1]), max(a[1], b[1])
        if low_y == high_y:
            return self.y < low_y < self.bottom and low_x < self.right and high_x > self.x
        if low_x == high_x:
            return self.x < low_x < self.right and low_y < self.bottom and high_y > self.y
        return any(self._holds(a[0] + (b[0] - a[0]) * step / 32, a[1] + (b[1] - a[1]) * step / 32)
                   for step in range(33))

    def _holds(self, x: float, y: float) -> bool:
        return self.x < x < self.right and self.y < y < self.bottom


def segments(points: list[Point]) -> list[tuple[Point, Point]]:
    return list(itertools.pairwise(points))


def _collinear_touch(first: tuple[Point, Point], second: tuple[Point, Point]) -> bool:
    """Whether two segments lie on one line and share a point: drawn, they would read as one edge."""
    (a, b), (c, d) = first, second
    if a[1] == b[1] == c[1] == d[1]:
        return min(max(a[0], b[0]), max(c[0], d[0])) >= max(min(a[0], b[0]), min(c[0], d[0]))
    if a[0] == b[0] == c[0] == d[0]:
        return min(max(a[1], b[1]), max(c[1], d[1])) >= max(min(a[1], b[1]), min(c[1], d[1]))
    return False


def simplify(points: list[Point]) -> list[Point]:
    """Drop repeated points and the middle of three points on one line."""
    kept: list[Point] = []
    for point in points:
        if kept and kept[-1] == point:
            continue
        if len(kept) >= 2 and (kept[-2][0] == kept[-1][0] == point[0] or kept[-2][1] == kept[-1][1] == point[1]):
            kept[-1] = point
            continue
        kept.append(point)
    return kept if len(kept) >= 2 else [points[0], points[-1]]


def _corridor(x: int) -> tuple[int, int, int]:
    return x, x + 12, x - 12


class Router:
    """Orthogonal routes: leave a shape at its right (a boundary event at its bottom, a gateway also at its
    top or bottom corner when the target is on another row), enter the target at its left, and go round
    shapes through the corridors between columns and the gaps between rows."""

    def __init__(self, obstacles: list[Box], channels: list[int]):
        self.obstacles = obstacles
        self.channels = channels
        self.routed: list[tuple[tuple[str, str], list[Point]]] = []

    def route(self, source: Box, target: Box, ends: tuple[str, str], exit: str = "right") -> list[Point]:
        """exit: "right", "bottom" (boundary events) or "corner" (gateways)."""
        candidates = [simplify(c) for c in self._candidates(source, target, exit)]
        points = next((c for c in candidates if self._clear(c, ends)), candidates[0])
        self.routed.append((ends, points))
        return points

    def _candidates(self, source: Box, target: Box, exit: str):
        end = (target.x, target.cy)
        top, bottom = (source.cx, source.y), (source.cx, source.bottom)
        if exit == "bottom":
            if end[0] > bottom[0] and end[1] > bottom[1]:
                yield [bottom, (bottom[0], end[1]), end]
            yield from self._via_channels([bottom], target, lambda y: y > bottom[1] + 10)
            under, x = bottom[1] + 12, target.cx - COLUMN_WIDTH // 2
            yield [bottom, (bottom[0], under), (x, under), (x, end[1]), end]
            return
        right = (source.right, source.cy)
        forward = target.x > source.right
        if forward and right[1] == end[1]:
            yield [right, end]
        if exit == "corner" and forward and end[1] != right[1]:
            corner = bottom if end[1] > right[1] else top
            yield [corner, (corner[0], end[1]), end]
        if forward:
            for x in _corridor(target.cx - COLUMN_WIDTH // 2) + _corridor(source.cx + COLUMN_WIDTH // 2):
                yield [right, (x, right[1]), (x, end[1]), end]
        if exit == "corner" and not forward:
            yield from self._via_channels([top], target, lambda y: y < top[1] - 10, [bottom],
                                          lambda y: y > bottom[1] + 10)
        for x in _corridor(source.cx + COLUMN_WIDTH // 2):
            yield from self._via_channels([right, (x, right[1])], target, lambda y: True)

    def _via_channels(self, head: list[Point], target: Box, allowed, other_head=None, other_allowed=None):
        """Along a free horizontal line (nearest first), then down or up the corridor before the target.
        With a second head, each channel goes with whichever head may reach it."""
        options = [(y, head) for y in self.channels if allowed(y)]
        if other_head:
            options += [(y, other_head) for y in self.channels if other_allowed(y)]
        end = (target.x, target.cy)

        def cost(option):
            y, turn = option[0], option[1][-1]
            return abs(turn[1] - y) + abs(y - end[1]), y < turn[1], y

        for y, points in sorted(options, key=cost):
            turn = points[-1]
            for x in _corridor(target.cx - COLUMN_WIDTH // 2):
                yield points + [(turn[0], y), (x, y), (x, end[1]), end]

    def _clear(self, points: list[Point], ends: tuple[str, str]) -> bool:
        parts = segments(points)
        if any(box.crossed_by(a, b) for a, b in parts for box in self.obstacles):
            return False
        return not any(_collinear_touch(part, other)
                       for other_ends, other_points in self.routed
                       if other_ends[0] != ends[0] and other_ends[1] != ends[1]
                       for other in segments(other_points) for part in parts)


def text_size(text: str, max_width: int = 90) -> tuple[int, int]:
    width = min(max_width, max(len(text) * CHAR_WIDTH, 20))
    lines = max(1, math.ceil(len(text) * CHAR_WIDTH / width))
    return width, lines * LINE_HEIGHT


def node_label_spots(kind: str, box: Box, size: tuple[int, int]) -> list[Box]:
    """Where a node's name may go, best first: below events, above gateways, beside boundary events."""
    w, h = size
    below = Box(box.cx - w // 2, box.bottom + 5, w, h)
    above = Box(box.cx - w // 2, box.y - 5 - h, w, h)
    upper_right, upper_left = Box(box.right + 2, box.y - 2 - h, w, h), Box(box.x - 2 - w, box.y - 2 - h, w, h)
    lower_right, lower_left = Box(box.right + 2, box.bottom + 2, w, h), Box(box.x - 2 - w, box.bottom + 2, w, h)
    if kind == "boundaryEvent":
        return [Box(box.right + 2, box.bottom - 14, w, h), lower_right, lower_left, below]
    if kind in GATEWAYS:
        return [above, below, upper_left, upper_right, lower_left, lower_right]
    return [below, above, lower_left, lower_right, upper_left, upper_right]


def edge_label_spots(points: list[Point], size: tuple[int, int]) -> list[Box]:
    """Beside the first segments of the route, next to where it starts."""
    w, h = size
    spots = []
    for a, b in segments(points)[:3]:
        if a[1] == b[1]:
            x = a[0] + 5 if b[0] >= a[0] else a[0] - 5 - w
            spots += [Box(x, a[1] - 4 - h, w, h), Box(x, a[1] + 4, w, h)]
        else:
            y = a[1] + 5 if b[1] >= a[1] else a[1] - 5 - h
            spots += [Box(a[0] + 5, y, w, h), Box(a[0] - 5 - w, y, w, h)]
    return spots


def first_free_spot(spots: list[Box], taken: list[Box], lines: list[list[Point]]) -> Box:
    """The first spot that overlaps no shape or label and no edge passes through."""
    for spot in spots:
        if any(spot.overlaps(box) for box in taken):
            continue
        if any(spot.crossed_by(a, b) for points in lines for a, b in segments(points)):
            continue
        return spot
    return spots[0]
