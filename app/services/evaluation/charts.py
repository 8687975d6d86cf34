"""Charts as SVG documents, drawn on the server with matplotlib: no JavaScript, no CSS.

Every function takes plain data — labels, and values where None stands for a figure that is
suppressed (too few officials) or missing — plus a title and a description, and returns the SVG
document as bytes. The same input gives the same bytes (fixed hash salt, no date), so a chart can be
cached and compared in tests. The page shows the same numbers in a table under each chart.

How a page shows a chart: as an image, ``<img src="...chart.svg" alt="description">`` served as
``image/svg+xml`` from its own URL (see templates/macros/chart.html). matplotlib writes its colours in
``style`` attributes and a ``<style>`` element; a page inlining the SVG would break the CSP
(``style-src 'self'``, no 'unsafe-inline') and its own stylesheet would restyle the chart's text.
Each document is therefore rewritten here to SVG presentation attributes (``fill="#0072b2"``), which no
CSP governs, so a chart looks the same as an image, opened on its own under the app's CSP, or inlined.

Colours are the Okabe–Ito palette and the cividis colour map, both readable with colour-blindness;
series are told apart by marker shape as well as colour.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
import threading
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

import matplotlib
from matplotlib import cm, colormaps, ticker
from matplotlib.colors import Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

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
WIDTH = 8.0  # inches; 72 SVG units an inch

_RC = {
    "svg.fonttype": "none",  # text stays text: selectable, translatable, read by screen readers
    "svg.hashsalt": "capstack",  # clip-path and pattern ids the same on every run
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
_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
# rc settings are global to matplotlib; charts drawn in parallel threads must not see each other's.
_LOCK = threading.Lock()


# Public functions ------------------------------------------------------------------------------

def bar_chart(labels: Sequence[str], values: Sequence[Value], *, title: str, description: str,
              axis_label: str = "", max_value: float | None = None, value_format: str = "{:.1f}",
              missing_label: str = "<5", empty_label: str = "No data") -> bytes:
    """Horizontal bars, one per label, top to bottom, each with its value written at its end."""
    _check_lengths(labels, values, "values")
    with _LOCK, matplotlib.rc_context(_RC):
        fig = Figure(figsize=(WIDTH, _rows_height(len(labels))), layout="constrained")
        ax = fig.add_subplot()
        if not labels:
            return _empty(fig, ax, title, description, empty_label)
        y = list(range(len(labels)))
        low, high = _value_range(values, max_value)
        span = high - low
        ax.set_xlim(low, high + span * 0.12)
        for position, value in zip(y, values, strict=True):
            if value is None:
                _missing_bar(ax, position, low, span, missing_label)
                continue
            ax.barh(position, value, height=0.6, color=SERIES_COLOURS[0])
            _bar_value(ax, position, value, span, value_format)
        _category_axis(ax, labels, y)
        _value_axis(ax, axis_label)
        return _svg(fig, title, description)


def grouped_bar_chart(labels: Sequence[str], series: Mapping[str, Sequence[Value]], *, title: str,
                      description: str, axis_label: str = "", max_value: float | None = None,
                      value_format: str = "{:.1f}", missing_label: str = "<5",
                      empty_label: str = "No data") -> bytes:
    """Horizontal bars grouped per label, one bar per series (for example two cycles), with a legend."""
    if not 1 <= len(series) <= MAX_LINES:
        raise ValueError(f"give 1 to {MAX_LINES} series, not {len(series)}")
    for name, values in series.items():
        _check_lengths(labels, values, f"series {name!r}")
    with _LOCK, matplotlib.rc_context(_RC):
        groups = len(series)
        fig = Figure(figsize=(WIDTH, _rows_height(len(labels), per_row=0.28 * groups + 0.2) + 0.3),
                     layout="constrained")
        ax = fig.add_subplot()
        if not labels:
            return _empty(fig, ax, title, description, empty_label)
        every = [v for values in series.values() for v in values]
        low, high = _value_range(every, max_value)
        span = high - low
        ax.set_xlim(low, high + span * 0.12)
        height = 0.8 / groups
        for index, values in enumerate(series.values()):
            offset = -0.4 + height * (index + 0.5)
            colour = SERIES_COLOURS[index]
            for position, value in enumerate(values):
                if value is None:
                    _missing_bar(ax, position + offset, low, span, missing_label, height=height * 0.9)
                    continue
                ax.barh(position + offset, value, height=height * 0.9, color=colour)
                _bar_value(ax, position + offset, value, span, value_format)
        _category_axis(ax, labels, list(range(len(labels))))
        _value_axis(ax, axis_label)
        fig.legend(handles=[Patch(color=SERIES_COLOURS[i], label=name) for i, name in enumerate(series)],
                   loc="outside upper left", ncols=min(groups, 4))
        return _svg(fig, title, description)


def heatmap(row_labels: Sequence[str], column_labels: Sequence[str], values: Sequence[Sequence[Value]],
            *, title: str, description: str, colour_label: str = "", vmin: float | None = None,
            vmax: float | None = None, value_format: str = "{:.1f}", missing_label: str = "<5",
            empty_label: str = "No data") -> bytes:
    """A grid of rows × columns coloured by value, with the value written in each cell.

    A None cell is drawn grey and hatched, labelled ``missing_label``.
    """
    if len(values) != len(row_labels):
        raise ValueError(f"{len(row_labels)} row labels but {len(values)} rows of values")
    for index, row in enumerate(values):
        if len(row) != len(column_labels):
            raise ValueError(f"row {index} has {len(row)} values for {len(column_labels)} columns")
    with _LOCK, matplotlib.rc_context(_RC):
        width = min(max(4.0 + 0.75 * len(column_labels), 5.0), 16.0)
        height = 1.9 + 0.42 * max(len(row_labels), 1)
        fig = Figure(figsize=(width, height), layout="constrained")
        ax = fig.add_subplot()
        if not row_labels or not column_labels:
            return _empty(fig, ax, title, description, empty_label)
        known = [v for row in values for v in row if v is not None]
        low = vmin if vmin is not None else (min(known) if known else 0.0)
        high = vmax if vmax is not None else (max(known) if known else 1.0)
        if high <= low:
            high = low + 1.0
        norm, cmap = Normalize(low, high), colormaps[SEQUENTIAL]
        for r, row in enumerate(values):
            for c, value in enumerate(row):
                if value is None:
                    ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=MISSING_FILL,
                                           edgecolor=MISSING_EDGE, hatch="///", linewidth=0.5))
                    ax.text(c, r, missing_label, ha="center", va="center", color=TEXT,
                            fontsize=9, fontstyle="italic")
                    continue
                colour = cmap(norm(value))
                ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=colour, edgecolor="white",
                                       linewidth=1))
                ax.text(c, r, value_format.format(value), ha="center", va="center", fontsize=9,
                        color=_ink_on(colour))
        ax.set_xlim(-0.5, len(column_labels) - 0.5)
        ax.set_ylim(len(row_labels) - 0.5, -0.5)
        ax.set_xticks(range(len(column_labels)),
                      [_short(label, 28) for label in column_labels], rotation=40, ha="right",
                      rotation_mode="anchor")
        ax.set_yticks(range(len(row_labels)), [_short(label, 36) for label in row_labels])
        ax.tick_params(length=0)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        scale = cm.ScalarMappable(norm=norm, cmap=cmap)
        bar = fig.colorbar(scale, ax=ax, shrink=0.8, pad=0.02)
        bar.outline.set_visible(False)
        if colour_label:
            bar.set_label(colour_label)
        return _svg(fig, title, description)


def level_distribution(labels: Sequence[str], level_names: Sequence[str],
                       counts: Sequence[Sequence[int | None] | None], *, title: str, description: str,
                       totals: Sequence[int | None] | None = None, axis_label: str = "",
                       missing_label: str = "<5", hidden_label: str = "Hidden (too few to show)",
                       empty_label: str = "No data") -> bytes:
    """One bar per label split into the share of people at each level (adding up to 100%).

    ``counts[i][j]`` is how many people of label i are at level j. A count may be None (hidden): the
    row then needs its total in ``totals[i]``, and what the hidden levels add up to (the total less the
    counts shown, which a reader of the table can work out anyway) is drawn as one grey hatched segment
    at the end, after the levels shown. A None row, or a row with hidden counts and no total, is
    suppressed: a grey hatched bar labelled ``missing_label``. Segments wide enough carry their count.
    """
    _check_lengths(labels, counts, "counts")
    if totals is not None:
        _check_lengths(labels, totals, "totals")
    for index, row in enumerate(counts):
        if row is not None and len(row) != len(level_names):
            raise ValueError(f"row {index} has {len(row)} counts for {len(level_names)} levels")
        if row is not None and any(n is not None and n < 0 for n in row):
            raise ValueError(f"row {index} has a negative count")
    with _LOCK, matplotlib.rc_context(_RC):
        fig = Figure(figsize=(WIDTH, _rows_height(len(labels)) + 0.4), layout="constrained")
        ax = fig.add_subplot()
        if not labels or not level_names:
            return _empty(fig, ax, title, description, empty_label)
        cmap = colormaps[SEQUENTIAL]
        colours = [cmap(0.1 + 0.85 * j / max(len(level_names) - 1, 1)) for j in range(len(level_names))]
        any_hidden = False
        for position, row in enumerate(counts):
            total = totals[position] if totals is not None else None
            if row is not None and None not in row and total is None:
                total = sum(row)  # type: ignore[arg-type]
            shown = sum(n for n in row if n is not None) if row is not None else 0
            if row is None or total is None or total <= 0 or shown > total:
                ax.barh(position, 100, height=0.6, color=MISSING_FILL, edgecolor=MISSING_EDGE,
                        hatch="///", linewidth=0.5)
                ax.text(50, position, empty_label if total == 0 else missing_label, ha="center",
                        va="center", fontstyle="italic", color=TEXT)
                continue
            left = 0.0
            for j, count in enumerate(row):
                share = 100 * (count or 0) / total
                if share:
                    ax.barh(position, share, left=left, height=0.6, color=colours[j],
                            edgecolor="white", linewidth=0.5)
                    if share >= 6:
                        ax.text(left + share / 2, position, str(count), ha="center", va="center",
                                fontsize=9, color=_ink_on(colours[j]))
                left += share
            if None in row and total > shown:
                any_hidden = True
                ax.barh(position, 100 - left, left=left, height=0.6, color=MISSING_FILL,
                        edgecolor=MISSING_EDGE, hatch="///", linewidth=0.5)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(ticker.PercentFormatter())
        _category_axis(ax, labels, list(range(len(labels))))
        _value_axis(ax, axis_label)
        handles = [Patch(color=colours[j], label=name) for j, name in enumerate(level_names)]
        if any_hidden:
            handles.append(Patch(facecolor=MISSING_FILL, edgecolor=MISSING_EDGE, hatch="///",
                                 label=hidden_label))
        fig.legend(handles=handles, loc="outside upper left", ncols=min(len(handles), 6))
        return _svg(fig, title, description)


def trend_chart(cycles: Sequence[str], series: Mapping[str, Sequence[Value]], *, title: str,
                description: str, intervals: Mapping[str, Sequence[tuple[float, float] | None]]
                | None = None, axis_label: str = "", y_min: float | None = None,
                y_max: float | None = None, integer_axis: bool = False, value_format: str = "{:.1f}",
                empty_label: str = "No data") -> bytes:
    """Each series across the cycles (in the order given), with its 95% confidence interval as error
    bars where ``intervals`` gives one. A None value leaves a gap in the line.

    Up to MAX_LINES series share one plot; more are drawn as small panels, one per series, on the
    same scale.
    """
    for name, values in series.items():
        _check_lengths(cycles, values, f"series {name!r}")
    intervals = intervals or {}
    for name, bounds in intervals.items():
        if name not in series:
            raise ValueError(f"an interval is given for {name!r}, which is not a series")
        _check_lengths(cycles, bounds, f"intervals of {name!r}")
    with _LOCK, matplotlib.rc_context(_RC):
        known = [v for values in series.values() for v in values if v is not None]
        known += [b for bounds in intervals.values() for pair in bounds if pair for b in pair]
        if not cycles or not known:
            fig = Figure(figsize=(WIDTH, 2.5), layout="constrained")
            return _empty(fig, fig.add_subplot(), title, description, empty_label)
        low = y_min if y_min is not None else min(0.0, min(known))
        high = y_max if y_max is not None else max(known)
        pad = (high - low) * 0.08 or 0.5
        limits = (low - (pad if y_min is None or low < y_min else pad / 2), high + pad)
        if len(series) <= MAX_LINES:
            fig = Figure(figsize=(WIDTH, 4.2), layout="constrained")
            ax = fig.add_subplot()
            count = len(series)
            for index, (name, values) in enumerate(series.items()):
                dodge = (index - (count - 1) / 2) * min(0.08, 0.3 / count)  # keep error bars apart
                _trend_line(ax, values, intervals.get(name), index, dodge, name, value_format,
                            label_points=count == 1)
            _trend_axes(ax, cycles, limits, axis_label, integer_axis)
            if count > 1 or next(iter(series)):
                fig.legend(loc="outside upper left", ncols=min(count, 3))
        else:
            columns = 3
            rows = math.ceil(len(series) / columns)
            fig = Figure(figsize=(WIDTH, 2.1 * rows + 0.4), layout="constrained")
            axes = fig.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
            flat = [a for row in axes for a in row]
            for index, (name, values) in enumerate(series.items()):
                ax = flat[index]
                _trend_line(ax, values, intervals.get(name), 0, 0.0, None, value_format,
                            label_points=True)
                ax.set_title(_short(name, 34), fontsize=9, loc="left")
                _trend_axes(ax, cycles, limits, "", integer_axis, wrap=14)
                ax.tick_params(labelbottom=True)  # every panel names its cycles
            for ax in flat[len(series):]:
                ax.set_visible(False)
            if axis_label:
                fig.supylabel(axis_label, fontsize=10)
        return _svg(fig, title, description)


# Drawing helpers --------------------------------------------------------------------------------

def _check_lengths(labels: Sequence, values: Sequence, what: str) -> None:
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels but {len(values)} {what}")


def _rows_height(rows: int, per_row: float = 0.34) -> float:
    return max(1.2 + per_row * rows, 2.2)


def _short(label: str, limit: int) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= limit else label[:limit - 1].rstrip() + "…"


def _value_range(values: Sequence[Value], max_value: float | None) -> tuple[float, float]:
    known = [float(v) for v in values if v is not None]
    low = min([0.0, *known])
    high = max_value if max_value is not None else max([0.0, *known])
    if high <= low:
        high = low + 1.0
    return low, high


def _ink_on(colour) -> str:
    """Black or white, whichever reads better on ``colour`` (relative luminance, WCAG)."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in to_rgb(colour))
    return TEXT if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 else "#ffffff"


def _missing_bar(ax, position: float, low: float, span: float, label: str, height: float = 0.6) -> None:
    ax.barh(position, span * 0.04, left=max(low, 0.0), height=height, color=MISSING_FILL,
            edgecolor=MISSING_EDGE, hatch="///", linewidth=0.5)
    ax.text(max(low, 0.0) + span * 0.055, position, label, va="center", fontstyle="italic",
            fontsize=9, color=TEXT)


def _bar_value(ax, position: float, value: float, span: float, value_format: str) -> None:
    gap = span * 0.01
    ax.text(value + gap if value >= 0 else value - gap, position, value_format.format(value),
            va="center", ha="left" if value >= 0 else "right", fontsize=9, color=TEXT)


def _category_axis(ax, labels: Sequence[str], positions: list[int]) -> None:
    ax.set_yticks(positions, [_short(label, 44) for label in labels])
    ax.set_ylim(len(labels) - 0.5, -0.5)  # the first label at the top
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)


def _value_axis(ax, axis_label: str) -> None:
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    if axis_label:
        ax.set_xlabel(axis_label)


def _trend_line(ax, values: Sequence[Value], bounds, index: int, dodge: float, name: str | None,
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
                ax.annotate(value_format.format(y), (x, y), textcoords="offset points", xytext=(7, 4),
                            fontsize=8, color=TEXT)


def _trend_axes(ax, cycles: Sequence[str], limits: tuple[float, float], axis_label: str,
                integer_axis: bool, wrap: int = 24) -> None:
    # Long cycle names go on two lines rather than run into each other.
    ax.set_xticks(range(len(cycles)), [textwrap.fill(_short(c, 2 * wrap), wrap) for c in cycles])
    ax.set_xlim(-0.5, len(cycles) - 0.5)
    ax.set_ylim(*limits)
    if integer_axis:
        ax.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.grid(axis="y", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    if axis_label:
        ax.set_ylabel(axis_label)


def _empty(fig: Figure, ax, title: str, description: str, empty_label: str) -> bytes:
    ax.set_axis_off()
    ax.text(0.5, 0.5, empty_label, ha="center", va="center", transform=ax.transAxes,
            fontstyle="italic", color=TEXT)
    return _svg(fig, title, description)


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


def _svg(fig: Figure, title: str, description: str) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata=_METADATA)
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
