"""The reports' charts (web/svg_charts.py drawn by templates/reports/_charts.html) keep every word
inside the drawing: the longest domain names ("Direct Engagement and Professional Relationships")
wrap instead of running off its left edge. Measured with the DejaVu Sans font files themselves
(fontTools), the font of the PDF and the widest the pages may be drawn in."""
import json
import re
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import pytest
from fontTools.ttLib import TTFont
from jinja2 import Environment, FileSystemLoader

from web import svg_charts as charts
from web.svg_charts import Bar, StackedRow

ROOT = Path(__file__).resolve().parents[2]
FONTS = Path("/usr/share/fonts/truetype/dejavu")  # fonts-dejavu-core: `make system-libs`
SVG = "{http://www.w3.org/2000/svg}"
DOMAINS = [domain["title"] for domain in  # every domain's title, as forms and reports name it
           json.loads((ROOT / "forms" / "domains.defs.json").read_text())["$defs"]["domain_name"]["oneOf"]]


@cache
def font(bold: bool):
    path = FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    assert path.exists(), "the chart tests measure with DejaVu Sans: `make system-libs` installs it"
    return TTFont(path)


def drawn_width(text: str, size: float, bold: bool) -> float:
    face = font(bold)
    glyphs, advances = face.getBestCmap(), face["hmtx"]
    return size * sum(advances[glyphs[ord(c)]][0] for c in text) / face["head"].unitsPerEm


def draw(macro: str, chart, *args) -> ElementTree.Element:
    env = Environment(loader=FileSystemLoader(ROOT / "web" / "templates"), autoescape=True)
    svg = getattr(env.get_template("reports/_charts.html").module, macro)(chart, "chart", "A chart", "Its bars", *args)
    return ElementTree.fromstring(str(svg))


def lines_of(svg: ElementTree.Element):
    """(text, left, right, baseline, size) of every line of text drawn, tspans on their own."""
    for text in svg.iter(f"{SVG}text"):
        size = float(text.get("font-size"))
        bold = text.get("font-weight") == "bold"
        anchor = text.get("text-anchor", "start")
        parts = list(text.iter(f"{SVG}tspan")) or [text]
        for part in parts:
            words = "".join(part.itertext())
            width = drawn_width(words, size, bold)
            x = float(part.get("x"))
            left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
            yield words, left, left + width, float(part.get("y")), size


def assert_inside(svg: ElementTree.Element) -> None:
    width, height = (float(n) for n in svg.get("viewBox").split()[2:])
    for words, left, right, baseline, size in lines_of(svg):
        assert left >= 0, f"{words!r} starts at x={left:.1f}, left of the drawing"
        assert right <= width, f"{words!r} ends at x={right:.1f}, right of the drawing ({width})"
        assert baseline - size >= 0 and baseline + size / 3 <= height, f"{words!r} at y={baseline} outside 0..{height}"


def label_baselines(svg: ElementTree.Element) -> list[float]:
    return sorted(float(t.get("y")) for t in svg.iter(f"{SVG}tspan"))


def bar(label: str, value: int, text: str | None = None) -> Bar:
    return Bar(label, value, text or f"{value} (100.0%)", href="/cases")


def test_the_longest_labels_wrap_inside_a_bar_chart():
    assert "Supervision and Management Oversight" in DOMAINS and "Child/Young Person Focused Practice" in DOMAINS
    chart = charts.bars([bar(label, 181 - n, "181 (100.0%)") for n, label in enumerate(DOMAINS)])
    svg = draw("bars", chart)
    assert_inside(svg)
    drawn = " ".join(re.sub(r"\s+", " ", "".join(t.itertext())) for t in svg.iter(f"{SVG}text"))
    for label in DOMAINS:  # every word of every label is drawn
        assert all(word in drawn for word in label.split()), label
    baselines = label_baselines(svg)
    assert len(baselines) > len(DOMAINS)  # the longest wrapped
    assert all(b - a >= charts.LINE for a, b in zip(baselines, baselines[1:]))  # no line over another


def test_a_label_ends_before_its_bar_and_a_number_after_it():
    chart = charts.bars([bar("Direct Engagement and Professional Relationships", 63, "63 (34.8%)"),
                         bar("Audit", 181)])
    for (words, left, right, _baseline, _size) in lines_of(draw("bars", chart)):
        if words in ("63 (34.8%)", "181 (100.0%)"):
            assert left >= chart.label_width
        else:
            assert right <= chart.label_width


def test_the_longest_labels_wrap_inside_a_stacked_chart():
    rows = [StackedRow(label, 181, [bar("Good", 100, "100 (55.2%)"), bar("Inadequate", 81, "81 (44.8%)")])
            for label in DOMAINS + ["Alerts answered within their deadlines (1, 2 or 5 working days)"]]
    assert_inside(draw("stacked", charts.stacked(rows)))
    assert_inside(draw("stacked", charts.stacked(rows[:2]), ("dispute", "disputes")))


@pytest.mark.parametrize("months", [3, 12])
def test_a_year_of_columns_fits(months):
    names = ["Apr 26", "May 26", "Jun 26", "Jul 26", "Aug 26", "Sep 26", "Oct 26", "Nov 26", "Dec 26", "Jan 27",
             "Feb 27", "Mar 27"][:months]
    assert_inside(draw("columns", charts.columns([bar(name, 100, "100.0%") for name in names])))


def test_the_measure_is_the_fonts_own():
    for text in DOMAINS + ["181 (100.0%)"]:
        for bold in (False, True):
            assert charts.text_width(text, 15, bold) == pytest.approx(drawn_width(text, 15, bold))
