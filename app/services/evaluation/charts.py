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
series are told apart by marker shape as well as colour. A heatmap shown beside a table takes the
table's colour steps instead (``bands``, ``colours``), so a colour means the same in both. Labels are
written whole, wrapped onto lines, and a value that rounds to zero reads 0.0, never -0.0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib import cm, colormaps, ticker
from matplotlib.collections import PolyCollection
from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from app.services.evaluation.chart_parts import (
    LOCK,
    MAX_LINES,
    MISSING_EDGE,
    MISSING_FILL,
    RC,
    SEQUENTIAL,
    SERIES_COLOURS,
    TEXT,
    WIDTH,
    Value,
    bar_value,
    category_axis,
    check_lengths,
    empty,
    ink_on,
    keep_inside,
    legend,
    missing_bar,
    rows_height,
    short,
    svg,
    text_width,
    trend_axes,
    trend_line,
    value_axis,
    value_range,
    value_text,
    wrap,
)

# Public functions ------------------------------------------------------------------------------

def bar_chart(labels: Sequence[str], values: Sequence[Value], *, title: str, description: str,
              axis_label: str = "", max_value: float | None = None, value_format: str = "{:.1f}",
              missing_label: str = "<5", empty_label: str = "No data") -> bytes:
    """Horizontal bars, one per label, top to bottom, each with its value written at its end."""
    check_lengths(labels, values, "values")
    with LOCK, matplotlib.rc_context(RC):
        fig = Figure(figsize=(WIDTH, rows_height(len(labels))), layout="constrained")
        ax = fig.add_subplot()
        if not labels:
            return empty(fig, ax, title, description, empty_label)
        y = list(range(len(labels)))
        low, high = value_range(values, max_value)
        span = high - low
        ax.set_xlim(low, high + span * 0.12)
        written = []
        for position, value in zip(y, values, strict=True):
            if value is None:
                missing_bar(ax, position, low, span, missing_label)
                continue
            ax.barh(position, value, height=0.6, color=SERIES_COLOURS[0])
            written.append(bar_value(ax, position, value, value_format))
        category_axis(ax, labels, y)
        value_axis(ax, axis_label)
        keep_inside(fig, ax, written)
        return svg(fig, title, description)


def grouped_bar_chart(labels: Sequence[str], series: Mapping[str, Sequence[Value]], *, title: str,
                      description: str, axis_label: str = "", max_value: float | None = None,
                      value_format: str = "{:.1f}", missing_label: str = "<5",
                      empty_label: str = "No data") -> bytes:
    """Horizontal bars grouped per label, one bar per series (for example two cycles), with a legend."""
    if not 1 <= len(series) <= MAX_LINES:
        raise ValueError(f"give 1 to {MAX_LINES} series, not {len(series)}")
    for name, values in series.items():
        check_lengths(labels, values, f"series {name!r}")
    with LOCK, matplotlib.rc_context(RC):
        groups = len(series)
        fig = Figure(figsize=(WIDTH, rows_height(len(labels), per_row=0.28 * groups + 0.2) + 0.3),
                     layout="constrained")
        ax = fig.add_subplot()
        if not labels:
            return empty(fig, ax, title, description, empty_label)
        every = [v for values in series.values() for v in values]
        low, high = value_range(every, max_value)
        span = high - low
        ax.set_xlim(low, high + span * 0.12)
        height = 0.8 / groups
        written = []
        for index, values in enumerate(series.values()):
            offset = -0.4 + height * (index + 0.5)
            colour = SERIES_COLOURS[index]
            for position, value in enumerate(values):
                if value is None:
                    missing_bar(ax, position + offset, low, span, missing_label, height=height * 0.9)
                    continue
                ax.barh(position + offset, value, height=height * 0.9, color=colour)
                written.append(bar_value(ax, position + offset, value, value_format))
        category_axis(ax, labels, list(range(len(labels))))
        value_axis(ax, axis_label)
        legend(fig, [Patch(color=SERIES_COLOURS[i], label=name) for i, name in enumerate(series)])
        keep_inside(fig, ax, written)
        return svg(fig, title, description)


MAX_LABELLED_CELLS = 400
"""Above this many cells a heatmap's values are not written in its cells: a country's 60
organisations × 21 competencies is 1,260 numbers too small to read, and writing them was half the
chart's cost. They are in the table under the chart and its files, like a bar too narrow to label."""


def _squares(cells: list[tuple[int, int]]):
    """The unit squares centred on these (row, column) cells, as one array of corners (cells × 4 × 2):
    a collection built from it skips turning each of a country's 1,260 squares into a path (0.3 s)."""
    centres = np.asarray(cells, dtype=float).reshape(-1, 2)
    xs = centres[:, 1:2] + np.array([-0.5, 0.5, 0.5, -0.5])
    ys = centres[:, 0:1] + np.array([-0.5, -0.5, 0.5, 0.5])
    return np.stack([xs, ys], axis=-1)


def _cells(ax, values: Sequence[Sequence[Value]], norm, cmap, value_format: str, missing_label: str) -> None:
    """The grid's cells: two collections of squares (one artist each, however many cells: a
    country's 60 organisations × 21 competencies drew 1,260 artists) and the value in each, up to
    MAX_LABELLED_CELLS cells."""
    labelled = sum(len(row) for row in values) <= MAX_LABELLED_CELLS
    known = [(r, c) for r, row in enumerate(values) for c, value in enumerate(row) if value is not None]
    missing = [(r, c) for r, row in enumerate(values) for c, value in enumerate(row) if value is None]
    colours = cmap(norm(np.array([values[r][c] for r, c in known], dtype=float))) if known else []
    if labelled:
        for (r, c), colour in zip(known, colours, strict=True):
            ax.text(c, r, value_text(value_format, values[r][c]), ha="center", va="center", fontsize=9,
                    color=ink_on(tuple(colour)))
        for r, c in missing:
            ax.text(c, r, missing_label, ha="center", va="center", color=TEXT, fontsize=9,
                    fontstyle="italic")
    if known:
        ax.add_collection(PolyCollection(_squares(known), facecolors=colours, edgecolors="white",
                                         linewidths=1))
    if missing:
        ax.add_collection(PolyCollection(_squares(missing), facecolors=MISSING_FILL, edgecolors=MISSING_EDGE,
                                         hatch="///", linewidths=0.5))


def heatmap(row_labels: Sequence[str], column_labels: Sequence[str], values: Sequence[Sequence[Value]],
            *, title: str, description: str, colour_label: str = "", vmin: float | None = None,
            vmax: float | None = None, value_format: str = "{:.1f}", missing_label: str = "<5",
            empty_label: str = "No data", bands: Sequence[float] = (),
            colours: Sequence[str] = ()) -> bytes:
    """A grid of rows × columns coloured by value, with the value written in each cell (up to
    MAX_LABELLED_CELLS cells; the colour scale says what a colour means either way). Labels are
    written whole, on several lines where long.

    ``bands`` and ``colours``: a scale of steps, the one a table beside the chart colours its cells
    with — ``colours[i]`` for the values from ``bands[i - 1]`` up to ``bands[i]`` (one colour more
    than bands); without them, the continuous cividis scale. A None cell is drawn grey and hatched,
    labelled ``missing_label``.
    """
    if len(values) != len(row_labels):
        raise ValueError(f"{len(row_labels)} row labels but {len(values)} rows of values")
    for index, row in enumerate(values):
        if len(row) != len(column_labels):
            raise ValueError(f"row {index} has {len(row)} values for {len(column_labels)} columns")
    if bands and len(colours) != len(bands) + 1:
        raise ValueError(f"give one colour more than bands: {len(bands)} bands, {len(colours)} colours")
    with LOCK, matplotlib.rc_context(RC):
        width = min(max(4.0 + 0.75 * len(column_labels), 5.0), 16.0)
        columns = _column_names(column_labels, (width - 3.5) * 72 / max(len(column_labels), 1))
        rows = [wrap(label, 30, lines=2) for label in row_labels]
        fig = Figure(figsize=(width, _heatmap_height(rows, columns)), layout="constrained")
        ax = fig.add_subplot()
        if not row_labels or not column_labels:
            return empty(fig, ax, title, description, empty_label)
        known = [v for row in values for v in row if v is not None]
        low = vmin if vmin is not None else (min(known) if known else 0.0)
        high = vmax if vmax is not None else (max(known) if known else 1.0)
        if high <= low:
            high = low + 1.0
        norm, cmap, ticks = _scale(low, high, bands, colours)
        _cells(ax, values, norm, cmap, value_format, missing_label)
        ax.set_xlim(-0.5, len(column_labels) - 0.5)
        ax.set_ylim(len(row_labels) - 0.5, -0.5)
        ax.set_xticks(range(len(column_labels)), columns, rotation=SLANT, ha="right", rotation_mode="anchor")
        ax.set_yticks(range(len(row_labels)), rows)
        ax.tick_params(length=0)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        bar = fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.8, pad=0.02,
                           ticks=ticks)
        if ticks is not None:
            bar.ax.set_yticklabels([value_text("{:g}", t) for t in ticks])
        bar.outline.set_visible(False)
        if colour_label:
            bar.set_label(colour_label)
        return svg(fig, title, description)


SLANT = 50  # degrees: the heatmap's column names


def _column_names(labels: Sequence[str], column: float) -> list[str]:
    """The column names on as many lines as a column's width (points) leaves room for between
    slanted neighbours, each line long enough for the longest name to fit whole."""
    lines = max(1, min(4, int(column * math.sin(math.radians(SLANT)) / 12)))
    longest = max((len(" ".join(str(label).split())) for label in labels), default=0)
    width = min(max(16, math.ceil(longest / lines) + 4), 40)
    return [wrap(label, width, lines=lines) for label in labels]


def _heatmap_height(rows: Sequence[str], columns: Sequence[str]) -> float:
    """Inches: a row each, and room under them for the slanted column names."""
    slant = math.sin(math.radians(SLANT)), math.cos(math.radians(SLANT))
    names = max((text_width(label, 10) * slant[0] + 12 * (label.count("\n") + 1) * slant[1]
                 for label in columns), default=0.0)
    return 1.1 + 0.42 * max(len(rows), 1) + names / 72


def _scale(low: float, high: float, bands: Sequence[float], colours: Sequence[str]):
    """The norm, colour map and colour bar ticks: the steps of ``bands`` from ``low`` (the last one
    open-ended, drawn a step long), or cividis from ``low`` to ``high`` (no ticks chosen)."""
    if not bands:
        return Normalize(low, high), colormaps[SEQUENTIAL], None
    first = sum(low >= band for band in bands)
    edges = [low, *(band for band in bands if band > low)]
    step = edges[-1] - edges[-2] if len(edges) > 1 else max(high - low, 1.0)
    edges.append(edges[-1] + step)  # the last band reaches past the scale: the over colour
    cmap = ListedColormap(colours[first:first + len(edges) - 1]).with_extremes(
        under=colours[first], over=colours[-1])
    return BoundaryNorm(edges, cmap.N), cmap, edges[:-1]


def _check_distribution(labels: Sequence[str], level_names: Sequence[str],
                        counts: Sequence[Sequence[int | None] | None],
                        totals: Sequence[int | None] | None) -> None:
    check_lengths(labels, counts, "counts")
    if totals is not None:
        check_lengths(labels, totals, "totals")
    for index, row in enumerate(counts):
        if row is not None and len(row) != len(level_names):
            raise ValueError(f"row {index} has {len(row)} counts for {len(level_names)} levels")
        if row is not None and any(n is not None and n < 0 for n in row):
            raise ValueError(f"row {index} has a negative count")


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
    _check_distribution(labels, level_names, counts, totals)
    with LOCK, matplotlib.rc_context(RC):
        fig = Figure(figsize=(WIDTH, rows_height(len(labels)) + 0.4), layout="constrained")
        ax = fig.add_subplot()
        if not labels or not level_names:
            return empty(fig, ax, title, description, empty_label)
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
                                fontsize=9, color=ink_on(colours[j]))
                left += share
            if None in row and total > shown:
                any_hidden = True
                ax.barh(position, 100 - left, left=left, height=0.6, color=MISSING_FILL,
                        edgecolor=MISSING_EDGE, hatch="///", linewidth=0.5)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(ticker.PercentFormatter())
        category_axis(ax, labels, list(range(len(labels))))
        value_axis(ax, axis_label)
        handles = [Patch(color=colours[j], label=name) for j, name in enumerate(level_names)]
        if any_hidden:
            handles.append(Patch(facecolor=MISSING_FILL, edgecolor=MISSING_EDGE, hatch="///",
                                 label=hidden_label))
        legend(fig, handles)
        return svg(fig, title, description)


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
        check_lengths(cycles, values, f"series {name!r}")
    intervals = intervals or {}
    for name, bounds in intervals.items():
        if name not in series:
            raise ValueError(f"an interval is given for {name!r}, which is not a series")
        check_lengths(cycles, bounds, f"intervals of {name!r}")
    with LOCK, matplotlib.rc_context(RC):
        known = [v for values in series.values() for v in values if v is not None]
        known += [b for bounds in intervals.values() for pair in bounds if pair for b in pair]
        if not cycles or not known:
            fig = Figure(figsize=(WIDTH, 2.5), layout="constrained")
            return empty(fig, fig.add_subplot(), title, description, empty_label)
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
                trend_line(ax, values, intervals.get(name), index, dodge, name, value_format,
                            label_points=count == 1)
            trend_axes(ax, cycles, limits, axis_label, integer_axis)
            if count > 1 or next(iter(series)):
                legend(fig, ax.get_legend_handles_labels()[0])
        else:
            columns = 3
            rows = math.ceil(len(series) / columns)
            fig = Figure(figsize=(WIDTH, 2.1 * rows + 0.4), layout="constrained")
            axes = fig.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
            flat = [a for row in axes for a in row]
            for index, (name, values) in enumerate(series.items()):
                ax = flat[index]
                trend_line(ax, values, intervals.get(name), 0, 0.0, None, value_format,
                            label_points=True)
                ax.set_title(short(name, 34), fontsize=9, loc="left")
                trend_axes(ax, cycles, limits, "", integer_axis, wrap=14)
                ax.tick_params(labelbottom=True)  # every panel names its cycles
            for ax in flat[len(series):]:
                ax.set_visible(False)
            if axis_label:
                fig.supylabel(axis_label, fontsize=10)
        return svg(fig, title, description)


# Drawing helpers --------------------------------------------------------------------------------
