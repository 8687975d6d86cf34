"""The pieces every chart in app.services.evaluation.charts is drawn with: the palette, the
matplotlib settings, the axes, bars and lines, and the rewriting of matplotlib's SVG into
presentation attributes (see that module's docstring)."""

from __future__ import annotations

import io
import math
import re
import textwrap
import threading
from collections.abc import Sequence
from xml.sax.saxutils import escape

from matplotlib import ticker
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

Value = float | int | None

TEXT = "#0b0c0c"
GRID = "#b1b4b6"
MISSING_FILL = "#f3f2f1"
MISSING_EDGE = "#6f777b"
# Okabe & Ito (2008), without yellow, too pale on white.
SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
MARKERS = ("o", "s", "^", "D", "v", "P")
SEQUENTIAL = "cividis"  # designed to read the same with colour-vision deficiency
MAX_LINES = len(SERIES_COLOURS)  # more series than this: one small panel each
# The one colour scale of a mean gap (levels), the heatmap chart's and its table's (app/assets: the
# classes app-heat--0 to --4, tests/unit/test_chart_labels.py keeps them equal): a colour from each
# band's start, lightest for under half a level to darkest for two levels or more.
HEAT_BANDS = (0.5, 1.0, 1.5, 2.0)
HEAT_COLOURS = ("#f3f7f9", "#fff2c8", "#ffd78a", "#f8a25a", "#b2361d")
WIDTH = 8.0  # inches; 72 SVG units an inch

RC = {
    "svg.fonttype": "none",  # text stays text: selectable, translatable, read by screen readers
    "svg.hashsalt": "capstack",  # clip-path and pattern ids the same on every run
    # Names come from users: "Spend $\frac{$" must be drawn as typed, never parsed as maths or LaTeX.
    "text.usetex": False,
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
    "font.size": 10,
    "text.color": TEXT,
    "axes.labelcolor": TEXT,
    "axes.edgecolor": GRID,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "hatch.linewidth": 0.8,
    "legend.frameon": False,
}
METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
# rc settings are global to matplotlib; charts drawn in parallel threads must not see each other's.
LOCK = threading.Lock()


def check_lengths(labels: Sequence, values: Sequence, what: str) -> None:
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels but {len(values)} {what}")


def rows_height(rows: int, per_row: float = 0.34) -> float:
    return max(1.2 + per_row * rows, 2.2)


def short(label: str, limit: int) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= limit else label[:limit - 1].rstrip() + "…"


def wrap(label: str, width: int, lines: int = 3) -> str:
    """A label on up to ``lines`` lines of about ``width`` characters (the last one cut with "…"
    only when the name is longer than that)."""
    text = " ".join(str(label).split())
    parts = textwrap.wrap(text, width, break_long_words=True) or [""]
    if len(parts) > lines:
        parts = [*parts[:lines - 1], short(" ".join(parts[lines - 1:]), width)]
    return "\n".join(parts)


def value_text(value_format: str, value: float) -> str:
    """``value`` written with ``value_format``; a value that rounds to zero reads as zero, never "-0.0"."""
    zero = value_format.format(0.0)
    if value_format.format(abs(value)) == zero:
        return zero
    return value_format.format(value)


_FONT = FontProperties(family=["DejaVu Sans"])


def text_width(text: str, size: float) -> float:
    """How wide ``text`` is drawn at ``size`` points, in points (the widest of its lines)."""
    font = _FONT.copy()
    font.set_size(size)
    return max(text_to_path.get_text_width_height_descent(line, font, ismath=False)[0]
               for line in text.split("\n"))


def legend_columns(labels: Sequence[str], width: float, size: float = 10.0) -> int:
    """The most columns a figure legend of ``labels`` may have and still fit ``width`` points (its
    entries fill each column in turn, as matplotlib's Legend lays them out)."""
    em = size
    entries = [2.0 * em + 0.8 * em + text_width(label, size) for label in labels]  # handle, pad, text
    for columns in range(min(len(entries), 6), 1, -1):
        rows, longer = divmod(len(entries), columns)  # the first ``longer`` columns hold a row more
        widths, start = [], 0
        for column in range(columns):
            end = start + rows + (column < longer)
            widths.append(max(entries[start:end], default=0.0))
            start = end
        if sum(widths) + 2.0 * em * (columns - 1) + 2 * em <= width:
            return columns
    return 1


def legend(fig: Figure, handles: Sequence, size: float = 10.0) -> None:
    """The figure's legend above the plot, in as many columns as fit the figure's width (a label
    too long for the width on its own goes on several lines)."""
    width = fig.get_figwidth() * 72 - 2 * size
    fit = max(int((width - 3 * size) / (0.62 * size)), 10)
    for handle in handles:
        label = handle.get_label()
        if text_width(label, size) > width - 3 * size:
            handle.set_label(textwrap.fill(label, fit))
    fig.legend(handles=handles, loc="outside upper left",
               ncols=legend_columns([h.get_label() for h in handles], width, size))


def value_range(values: Sequence[Value], max_value: float | None) -> tuple[float, float]:
    known = [float(v) for v in values if v is not None]
    low = min([0.0, *known])
    high = max_value if max_value is not None else max([0.0, *known])
    if high <= low:
        high = low + 1.0
    return low, high


def ink_on(colour) -> str:
    """Black or white, whichever reads better on ``colour`` (relative luminance, WCAG)."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in to_rgb(colour))
    return TEXT if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 else "#ffffff"


def missing_bar(ax, position: float, low: float, span: float, label: str, height: float = 0.6) -> None:
    ax.barh(position, span * 0.04, left=max(low, 0.0), height=height, color=MISSING_FILL,
            edgecolor=MISSING_EDGE, hatch="///", linewidth=0.5)
    ax.text(max(low, 0.0) + span * 0.055, position, label, va="center", fontstyle="italic",
            fontsize=9, color=TEXT)


def bar_value(ax, position: float, value: float, value_format: str):
    """The value written just past the end of its bar (left of a negative one); returns the text."""
    return ax.annotate(value_text(value_format, value), (value, position), textcoords="offset points",
                       xytext=(3 if value >= 0 else -3, 0), va="center",
                       ha="left" if value >= 0 else "right", fontsize=9, color=TEXT)


def keep_inside(fig: Figure, ax, labels: Sequence) -> None:
    """Widen the value axis until every bar's value label lies inside the plot: a negative bar's
    label then never runs into the category names left of the plot. Measured on the laid-out
    figure (one layout more), so only for charts with a value label left of its bar."""
    if not any(label.get_ha() == "right" for label in labels):
        return
    fig.draw_without_rendering()
    box = ax.get_window_extent()
    margin = 4.0 * fig.dpi / 72
    needs = []
    for label in labels:
        extent, at = label.get_window_extent(), ax.transData.transform((label.xy[0], 0.0))[0]
        left = label.get_ha() == "right"
        width = (at - extent.x0 if left else extent.x1 - at) + margin
        needs.append((label.xy[0], min(width / box.width, 0.45), left))
    low, high = ax.get_xlim()
    for _ in range(4):  # each side's room depends on the other's
        for value, share, left in needs:
            if left:
                low = min(low, (value - share * high) / (1 - share))
            else:
                high = max(high, (value - share * low) / (1 - share))
    ax.set_xlim(low, high)


def category_axis(ax, labels: Sequence[str], positions: list[int]) -> None:
    ax.set_yticks(positions, [wrap(label, 40, lines=2) for label in labels])
    ax.set_ylim(len(labels) - 0.5, -0.5)  # the first label at the top
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)


def value_axis(ax, axis_label: str) -> None:
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    if axis_label:
        ax.set_xlabel(axis_label)


def trend_line(ax, values: Sequence[Value], bounds, index: int, dodge: float, name: str | None,
                value_format: str, *, label_points: bool) -> None:
    colour, marker = SERIES_COLOURS[index % len(SERIES_COLOURS)], MARKERS[index % len(MARKERS)]
    xs = [i + dodge for i in range(len(values))]
    ys = [math.nan if v is None else float(v) for v in values]
    ax.plot(xs, ys, color=colour, marker=marker, markersize=6, linewidth=2, label=name)
    if bounds:
        for x, y, pair in zip(xs, ys, bounds, strict=True):
            if pair is None or math.isnan(y):
                continue
            below, above = y - pair[0], pair[1] - y
            ax.errorbar([x], [y], yerr=[[max(below, 0.0)], [max(above, 0.0)]], color=colour,
                        capsize=4, linewidth=1.2, fmt="none")
    if label_points:
        for x, y in zip(xs, ys, strict=True):
            if not math.isnan(y):
                ax.annotate(value_text(value_format, y), (x, y), textcoords="offset points", xytext=(7, 4),
                            fontsize=8, color=TEXT)


def trend_axes(ax, cycles: Sequence[str], limits: tuple[float, float], axis_label: str,
                integer_axis: bool, wrap: int = 24) -> None:
    # Long cycle names go on two lines rather than run into each other.
    ax.set_xticks(range(len(cycles)), [textwrap.fill(short(c, 2 * wrap), wrap) for c in cycles])
    ax.set_xlim(-0.5, len(cycles) - 0.5)
    ax.set_ylim(*limits)
    if integer_axis:
        ax.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.grid(axis="y", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    if axis_label:
        ax.set_ylabel(axis_label)


def empty(fig: Figure, ax, title: str, description: str, empty_label: str) -> bytes:
    ax.set_axis_off()
    ax.text(0.5, 0.5, empty_label, ha="center", va="center", transform=ax.transAxes,
            fontstyle="italic", color=TEXT)
    return svg(fig, title, description)


# The SVG document -------------------------------------------------------------------------------

_STYLE_ELEMENT = re.compile(r"\s*<style[^>]*>.*?</style>", re.S)
_EMPTY_DEFS = re.compile(r"\s*<defs>\s*</defs>")
_STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')
_ROOT = re.compile(r'<svg ([^>]*?)width="[^"]*" height="[^"]*" ([^>]*)>')


def _presentation_attributes(match: re.Match) -> str:
    """style="fill: #fff; stroke-width: 0.8" -> fill="#fff" stroke-width="0.8" (SVG presentation
    attributes: the same look, and nothing for a Content-Security-Policy to block)."""
    pairs = (part.split(":", 1) for part in match.group(1).split(";") if ":" in part)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def svg(fig: Figure, title: str, description: str) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata=METADATA)
    text = buffer.getvalue().decode("utf-8")
    # matplotlib's one rule, "* {stroke-linejoin: round; stroke-linecap: butt}", inherits from the root.
    text = _EMPTY_DEFS.sub("", _STYLE_ELEMENT.sub("", text, count=1), count=1)
    text = _STYLE_ATTRIBUTE.sub(_presentation_attributes, text)
    # No fixed size: the image takes the width of its container, keeping its proportions.
    text, found = _ROOT.subn(
        lambda m: (f'<svg {m.group(1)}{m.group(2)} role="img" aria-labelledby="chart-title chart-desc" '
                   f'stroke-linejoin="round" stroke-linecap="butt">\n'
                   f' <title id="chart-title">{escape(title)}</title>\n'
                   f' <desc id="chart-desc">{escape(description)}</desc>'),
        text, count=1)
    if not found:
        raise RuntimeError("unexpected SVG from matplotlib: no root element with a size")
    return text.encode("utf-8")
