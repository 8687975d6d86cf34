"""What a reader sees of a chart's words and numbers: no "-0.0", a value's label never on top of a
category's name, legends whole inside the image, names (wrapped) rather than codes, and a heatmap
coloured by the bands its table uses.

Where a piece of text lies is read back from the SVG (text stays text: svg.fonttype none), its width
measured with the font matplotlib draws it in."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from app.services.evaluation import charts
from app.services.evaluation.chart_parts import HEAT_BANDS, HEAT_COLOURS, value_text

SVG = "{http://www.w3.org/2000/svg}"
LEVELS = ["0 None", "1 Awareness", "2 Working", "3 Practitioner", "4 Expert"]
LONG = ["Digital strategy, leadership and governance of digital transformation", "Data",
        "User-centred design and research", "Cyber security and resilience"]
ROTATE = re.compile(r"rotate\((-?[\d.]+)")
TRANSLATE = re.compile(r"translate\((-?[\d.]+) (-?[\d.]+)\)")

pytestmark = pytest.mark.no_db


@dataclass(frozen=True)
class Box:
    text: str
    left: float
    right: float
    top: float
    bottom: float
    rotated: bool

    def overlaps(self, other: Box) -> bool:
        return (self.left < other.right and other.left < self.right and self.top < other.bottom
                and other.top < self.bottom)


def boxes(svg: bytes) -> tuple[list[Box], tuple[float, float]]:
    """Each line of text drawn, with the box it covers in the image's units, and the image's size."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    _x, _y, width, height = (float(v) for v in root.attrib["viewBox"].split())
    found = []
    for node in root.iter(f"{SVG}text"):
        text = "".join(node.itertext())
        size = float(node.attrib["font-size"].rstrip("px"))
        wide, _high, _descent = text_to_path.get_text_width_height_descent(
            text, FontProperties(family=["DejaVu Sans"], size=size), ismath=False)
        moved = TRANSLATE.search(node.attrib.get("transform", ""))  # a line of a text on several
        x, y = (float(moved.group(1)), float(moved.group(2))) if moved else (float(node.attrib["x"]),
                                                                            float(node.attrib["y"]))
        anchor = node.attrib.get("text-anchor", "start")
        start = {"start": 0.0, "middle": -wide / 2, "end": -wide}[anchor]
        corners = [(start, -0.76 * size), (start + wide, -0.76 * size), (start, 0.24 * size),
                   (start + wide, 0.24 * size)]
        angle = float(ROTATE.search(node.attrib.get("transform", "")).group(1)) \
            if "rotate" in node.attrib.get("transform", "") else 0.0
        turn = math.radians(angle)
        cos, sin = math.cos(turn), math.sin(turn)
        points = [(x + dx * cos - dy * sin, y + dx * sin + dy * cos) for dx, dy in corners]
        found.append(Box(text, min(p[0] for p in points), max(p[0] for p in points),
                         min(p[1] for p in points), max(p[1] for p in points), abs(angle) > 0.01))
    return found, (width, height)


def texts(svg: bytes) -> list[str]:
    return [box.text for box in boxes(svg)[0]]


def check_layout(svg: bytes) -> None:
    """Every text lies inside the image, and no two level texts lie on each other."""
    found, (width, height) = boxes(svg)
    outside = [b.text for b in found if b.left < -0.5 or b.right > width + 0.5 or b.top < -0.5
               or b.bottom > height + 0.5]
    assert outside == [], f"cut off at the image's edge: {outside}"
    level = [b for b in found if not b.rotated]
    clashes = [(a.text, b.text) for i, a in enumerate(level) for b in level[i + 1:] if a.overlaps(b)]
    assert clashes == [], f"texts drawn on top of each other: {clashes}"


# No "-0.0" -------------------------------------------------------------------------------------------

def test_a_value_that_rounds_to_zero_reads_0_0_whatever_its_sign():
    assert [value_text("{:.1f}", v) for v in (-0.04, -0.0, 0.04, -0.05001, 1.25)] == [
        "0.0", "0.0", "0.0", "-0.1", "1.2"]
    assert value_text("{:.0f}%", -0.3) == "0%" and value_text("{:.0f}", -0.4) == "0"


def test_no_chart_writes_minus_zero():
    drawn = [
        charts.bar_chart(["Data", "Security"], [-0.04, 0.3], title="T", description="D"),
        charts.grouped_bar_chart(["Data", "Security"], {"A": [-0.04, 0.2], "B": [0.01, -0.03]},
                                 title="T", description="D"),
        charts.heatmap(["Ministry"], ["Data", "Security"], [[-0.04, 0.5]], title="T", description="D"),
        charts.trend_chart(["Baseline", "Follow-up"], {"Mean": [-0.04, 0.4]}, title="T", description="D"),
    ]
    for svg in drawn:
        assert "-0.0" not in texts(svg) and "0.0" in texts(svg)


# Labels that do not run into each other, legends that fit ------------------------------------------

def test_negative_bar_labels_never_overlap_the_category_names():
    for values in ([-1.2, -0.4, 0.8, 2.5], [-3.0, -2.9, -0.1, -1.0], [-0.1, 3.0, 2.0, 1.0]):
        svg = charts.bar_chart(LONG, values, title="T", description="D")
        check_layout(svg)
        assert {value_text("{:.1f}", v) for v in values} <= set(texts(svg))
    grouped = charts.grouped_bar_chart(LONG, {"Baseline 2025 (baseline)": [-1.2, -0.4, 0.8, 0.3],
                                              "Follow-up 2026 (follow-up 1)": [-0.9, 0.1, -0.6, 0.2]},
                                       title="T", description="D")
    check_layout(grouped)


def test_the_levels_legend_fits_whole_with_its_hidden_entry():
    svg = charts.level_distribution(
        LONG, LEVELS, [[6, None, 7, None, 9], [1, 4, 10, 3, 2], [5, 5, 5, 5, 5], None],
        totals=[25, 20, 25, None], title="T", description="D",
        hidden_label="Hidden: too few officials to show")
    assert "Hidden: too few officials to show" in texts(svg) and set(LEVELS) <= set(texts(svg))
    check_layout(svg)


def test_a_legend_of_long_series_names_fits():
    series = {f"Follow-up campaign number {n} of the national programme ({n})": [1.0, 2.0] for n in range(4)}
    check_layout(charts.grouped_bar_chart(["Data", "Security"], series, title="T", description="D"))
    check_layout(charts.trend_chart(["Baseline", "Follow-up"], series, title="T", description="D"))


# Heatmap: names, wrapped, and the table's colour bands --------------------------------------------

def test_heatmap_labels_are_names_wrapped_onto_lines_inside_the_image():
    svg = charts.heatmap(["Ministry of Information, Communication and Technology", "Revenue"],
                         LONG, [[1.2, 0.4, 2.2, None], [0.1, 1.6, 0.7, 3.0]], title="T", description="D",
                         bands=HEAT_BANDS, colours=HEAT_COLOURS)
    drawn = texts(svg)
    assert "Data" in drawn
    # a long name is on several lines, none of them cut short with an ellipsis
    assert not any("…" in line for line in drawn)
    assert "Digital strategy, leadership and governance of digital transformation" not in drawn
    words = " ".join(drawn)
    assert all(word in words for word in LONG[0].split())
    check_layout_inside(svg)


def check_layout_inside(svg: bytes) -> None:
    found, (width, height) = boxes(svg)
    assert [b.text for b in found if b.left < -0.5 or b.right > width + 0.5 or b.top < -0.5
            or b.bottom > height + 0.5] == []


def test_heatmap_cells_take_the_colour_of_their_band():
    """The bands of the page's table (app-heat--0 … --4): under 0.5, 0.5 to 1, … 2 or more."""
    values = [[0.2, 0.7, 1.2, 1.7, 2.6]]
    svg = charts.heatmap(["Ministry"], ["A", "B", "C", "D", "E"], values, title="T", description="D",
                         bands=HEAT_BANDS, colours=HEAT_COLOURS).decode()
    for colour in HEAT_COLOURS:
        assert f'fill="{colour.lower()}"' in svg, colour
    assert "cividis" not in svg


def test_the_heat_bands_and_colours_are_the_stylesheets():
    """The table's cell classes (app/assets) and the chart share one scale: the same colours, in order."""
    from pathlib import Path  # noqa: PLC0415

    scss = "".join(path.read_text() for path in Path("app/assets").glob("*.scss"))
    found = dict(re.findall(r"\.app-heat--(\d)\s*\{[^}]*?background-color:\s*(#[0-9a-fA-F]{6})", scss))
    assert [found[str(n)].lower() for n in range(len(HEAT_COLOURS))] == [c.lower() for c in HEAT_COLOURS]
    assert len(HEAT_COLOURS) == len(HEAT_BANDS) + 1
