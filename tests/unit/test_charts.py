"""Server-rendered SVG charts: well-formed, no CSS or script, text kept as text, the same bytes for the
same input, suppressed cells drawn and labelled."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from app.services.evaluation import charts

SVG = "{http://www.w3.org/2000/svg}"
LEVELS = ["None", "Awareness", "Working", "Practitioner", "Expert"]


def parse(svg: bytes) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def texts(svg: bytes) -> list[str]:
    """Every piece of text drawn in the chart."""
    return ["".join(node.itertext()).strip() for node in parse(svg).iter(f"{SVG}text")]


def check_document(svg: bytes, title: str = "T", description: str = "D") -> ET.Element:
    root = parse(svg)  # well-formed XML
    text = svg.decode("utf-8")
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == title
    assert root.find(f"{SVG}desc").text == description
    assert "width" not in root.attrib and "height" not in root.attrib and "viewBox" in root.attrib
    assert "<style" not in text and not re.search(r"\sstyle=", text)  # nothing for the CSP to block
    assert "<script" not in text and "<metadata" not in text
    return root


def all_charts() -> dict[str, bytes]:
    return {
        "bar": charts.bar_chart(["Digital strategy", "Data"], [1.5, None], title="T", description="D"),
        "grouped": charts.grouped_bar_chart(["Data", "Security"], {"Baseline": [1.0, 2.0],
                                                                   "Follow-up": [None, 2.5]},
                                            title="T", description="D", max_value=4),
        "heatmap": charts.heatmap(["Ministry of ICT", "Revenue"], ["Data", "Security"],
                                  [[1.2, None], [2.5, 0.0]], title="T", description="D", vmin=0, vmax=4),
        "levels": charts.level_distribution(["Data"], LEVELS, [[1, 4, 10, 3, 2]], title="T", description="D"),
        "trend": charts.trend_chart(["Baseline", "Follow-up 1"], {"Mean level": [1.2, 1.8]},
                                    intervals={"Mean level": [(1.0, 1.4), (1.5, 2.1)]}, title="T",
                                    description="D", y_min=0, y_max=4),
    }


def test_every_chart_is_a_self_contained_svg_without_css_or_script():
    for svg in all_charts().values():
        check_document(svg)


def test_the_same_input_gives_the_same_bytes_and_another_input_other_bytes():
    first, second = all_charts(), all_charts()
    assert first == second
    assert charts.bar_chart(["Data"], [1.5], title="T", description="D") != \
        charts.bar_chart(["Data"], [1.6], title="T", description="D")


def test_title_and_description_are_escaped():
    svg = charts.bar_chart(["A"], [1], title="Gaps <by> & area", description='Say "5" < 6')
    check_document(svg, "Gaps <by> & area", 'Say "5" < 6')
    assert b"Gaps &lt;by&gt; &amp; area" in svg


def test_bar_chart_writes_labels_and_values_as_text_in_colour_blind_safe_blue():
    svg = charts.bar_chart(["Digital strategy", "Data", "Security"], [1.5, None, 2.25], title="T",
                           description="D", missing_label="fewer than 5")
    drawn = texts(svg)
    assert {"Digital strategy", "Data", "Security", "1.5", "2.2", "fewer than 5"} <= set(drawn)
    assert b'fill="#0072b2"' in svg  # Okabe-Ito blue
    assert b"<pattern" in svg  # the suppressed bar is hatched


def test_grouped_bars_have_a_legend_per_series_and_label_the_missing_bar():
    svg = charts.grouped_bar_chart(["Data", "Security"], {"Baseline": [1.0, 2.0], "Follow-up": [None, 2.5]},
                                   title="T", description="D", max_value=4)
    drawn = texts(svg)
    assert {"Baseline", "Follow-up", "1.0", "2.0", "2.5", "<5"} <= set(drawn)
    assert b'fill="#0072b2"' in svg and b'fill="#e69f00"' in svg
    with pytest.raises(ValueError, match="1 to 6 series"):
        charts.grouped_bar_chart(["A"], {}, title="T", description="D")


def test_heatmap_writes_each_value_and_hatches_suppressed_cells():
    svg = charts.heatmap(["Ministry of ICT", "Revenue"], ["Data", "Security", "Strategy"],
                         [[1.25, None, 0.3], [2.5, 3.1, None]], title="T", description="D",
                         colour_label="Mean gap", vmin=0, vmax=4)
    drawn = texts(svg)
    for expected in ("Ministry of ICT", "Revenue", "Data", "Security", "Strategy", "1.2", "0.3", "2.5",
                     "3.1", "Mean gap"):
        assert expected in drawn
    assert drawn.count("<5") == 2
    assert svg.count(b"<pattern") == 1 and svg.count(b'fill="url(#') == 2  # one hatch, two cells


def test_a_heatmap_too_big_to_read_leaves_its_numbers_to_the_table():
    """60 organisations × 21 competencies: 1,260 numbers too small to read (and half the chart's
    cost). The cells keep their colours and hatching; the numbers are in the table under the chart."""
    rows = [f"Organisation {r}" for r in range(60)]
    values = [[None if (r + c) % 9 == 0 else round(0.1 * ((r * c) % 40), 1) for c in range(21)]
              for r in range(60)]
    svg = charts.heatmap(rows, [f"C{c}" for c in range(21)], values, title="T", description="D",
                         colour_label="Mean gap", vmin=0, vmax=4)
    drawn = texts(svg)
    assert "Organisation 59" in drawn and "C20" in drawn and "Mean gap" in drawn
    assert "<5" not in drawn and "3.9" not in drawn
    assert svg.count(b"<pattern") == 1  # the hidden cells are still hatched
    small = charts.heatmap(rows[:19], [f"C{c}" for c in range(21)], values[:19], title="T", description="D")
    assert "<5" in texts(small)  # 399 cells: written


def test_heatmap_shapes_are_checked():
    with pytest.raises(ValueError, match="row 0 has 1 values for 2 columns"):
        charts.heatmap(["A"], ["x", "y"], [[1]], title="T", description="D")
    with pytest.raises(ValueError, match="1 row labels but 2 rows"):
        charts.heatmap(["A"], ["x"], [[1], [2]], title="T", description="D")


def test_level_distribution_counts_suppressed_rows_and_hidden_levels():
    svg = charts.level_distribution(
        ["Data", "Security", "Strategy"], LEVELS,
        [[1, 4, 10, 3, 2], None, [6, None, 7, None, 9]], totals=[20, None, 25], title="T",
        description="D", missing_label="fewer than 5", hidden_label="Hidden")
    drawn = texts(svg)
    assert {"4", "10", "3", "6", "7", "9", "fewer than 5", "Hidden", *LEVELS} <= set(drawn)
    assert "1" not in drawn  # 5% of the bar: too narrow to label, still in the table


def test_level_distribution_without_a_total_suppresses_a_row_with_hidden_levels():
    svg = charts.level_distribution(["Data"], LEVELS, [[6, None, 7, None, 9]], title="T", description="D")
    assert "<5" in texts(svg) and "7" not in texts(svg)
    with pytest.raises(ValueError, match="row 0 has 2 counts for 5 levels"):
        charts.level_distribution(["Data"], LEVELS, [[1, 2]], title="T", description="D")
    with pytest.raises(ValueError, match="negative"):
        charts.level_distribution(["Data"], ["a"], [[-1]], title="T", description="D")


def test_trend_draws_error_bars_only_where_an_interval_is_given():
    with_ci = charts.trend_chart(["Baseline", "Follow-up 1"], {"Mean": [1.2, 1.8]},
                                 intervals={"Mean": [(1.0, 1.4), (1.5, 2.1)]}, title="T", description="D")
    without = charts.trend_chart(["Baseline", "Follow-up 1"], {"Mean": [1.2, 1.8]}, title="T",
                                 description="D")
    assert with_ci.count(b'id="LineCollection_') == 2 and b"LineCollection" not in without
    assert {"Baseline", "Follow-up 1", "1.2", "1.8", "Mean"} <= set(texts(with_ci))
    with pytest.raises(ValueError, match="not a series"):
        charts.trend_chart(["A"], {"x": [1]}, intervals={"y": [None]}, title="T", description="D")


def test_a_trend_of_many_series_is_drawn_as_one_panel_each():
    series = {f"Competency {n}": [n % 5, (n + 1) % 5] for n in range(8)}
    svg = charts.trend_chart(["2025", "2026"], series, title="T", description="D", y_min=0, y_max=4,
                             integer_axis=True, value_format="{:.0f}")
    check_document(svg)
    drawn = texts(svg)
    assert all(name in drawn for name in series)
    assert svg.count(b'id="axes_') == 8  # one panel per series; the ninth of the 3 × 3 grid is left out


def test_empty_charts_say_so():
    for svg in (charts.bar_chart([], [], title="T", description="D", empty_label="Nothing yet"),
                charts.trend_chart(["2025"], {"x": [None]}, title="T", description="D",
                                   empty_label="Nothing yet"),
                charts.heatmap([], [], [], title="T", description="D", empty_label="Nothing yet")):
        check_document(svg)
        assert texts(svg) == ["Nothing yet"]


def test_lengths_must_match():
    with pytest.raises(ValueError, match="2 labels but 1 values"):
        charts.bar_chart(["a", "b"], [1], title="T", description="D")
