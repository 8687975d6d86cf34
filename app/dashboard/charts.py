"""The dashboard's charts: each one drawn (evaluation.charts) from the table of the same name, so the
chart and the table under it show the same numbers. A hidden figure is a gap in the chart, labelled
with the page's wording."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.dashboard.formatting import hidden_text, label
from app.dashboard.selection import Selection
from app.dashboard.tables import level_grid
from app.services.evaluation import Table, heatmap_grid
from app.services.evaluation import charts as svg
from app.services.evaluation.chart_parts import HEAT_BANDS, HEAT_COLOURS

MAX_SERIES = svg.MAX_LINES


def _number(value: object) -> float | None:
    """A chart value: the number, or None for a hidden or missing figure."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _common(_table: Table) -> dict[str, str]:
    return {"missing_label": hidden_text(), "empty_label": _("No data yet")}


def participation(table: Table, selection: Selection, title: str, description: str) -> bytes:
    if selection.filters.campaign_id is not None:  # one campaign: its organisations
        rows = table.rows
        labels = [label(r.organisation) for r in rows]
    else:
        rows = [r for r in table.rows if r.is_total]
        labels = [f"{r.campaign} ({r.cycle_label})" for r in rows]
    series = {_("Invited"): [_number(r.invited) for r in rows],
              _("Started"): [_number(r.started) for r in rows],
              _("Submitted"): [_number(r.submitted) for r in rows]}
    return svg.grouped_bar_chart(labels, series, title=title, description=description,
                                 axis_label=_("Officials"), value_format="{:.0f}", **_common(table))


def heatmap(table: Table, selection: Selection, title: str, description: str) -> bytes:
    organisations, competencies, grid = heatmap_grid(table)
    values = [[_number(grid[(org_id, comp_id)].mean_gap) if (org_id, comp_id) in grid else None
               for comp_id, _code, _name in competencies] for org_id, _org in organisations]
    return svg.heatmap([label(name) for _id, name in organisations],
                       [name for _id, _code, name in competencies], values, title=title,
                       description=description, vmin=0, bands=HEAT_BANDS, colours=HEAT_COLOURS,
                       colour_label=_("Mean gap (levels)"), **_common(table))


def levels(table: Table, selection: Selection, title: str, description: str) -> bytes:
    level_names, competencies = level_grid(table)
    counts = [[_count(c["counts"].get(level, 0)) for level, _name in level_names] for c in competencies]
    return svg.level_distribution([c["name"] for c in competencies],
                                  [f"{level} {name}" for level, name in level_names], counts,
                                  totals=[_count(c["total"]) for c in competencies], title=title,
                                  description=description, axis_label=_("Share of officials"),
                                  hidden_label=_("Hidden: too few officials to show"), **_common(table))


def _count(value: object) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def assets(table: Table, selection: Selection, title: str, description: str) -> bytes:
    return svg.bar_chart([r.competency for r in table.rows], [_number(r.practitioners) for r in table.rows],
                         title=title, description=description, value_format="{:.0f}",
                         axis_label=_("Officials at practitioner level or above"), **_common(table))


def trend(table: Table, selection: Selection, title: str, description: str) -> bytes:
    cycles: dict[int, str] = {}
    chains: dict[str, dict[int, object]] = {}
    for row in table.rows:
        cycles.setdefault(row.position, row.cycle_label)
        chains.setdefault(row.chain, {})[row.position] = row
    positions = sorted(cycles)
    series = {chain: [_number(rows[p].mean) if p in rows else None for p in positions]
              for chain, rows in list(chains.items())[-MAX_SERIES:]}
    intervals = {chain: [(float(rows[p].ci_low), float(rows[p].ci_high))
                         if p in rows and _number(rows[p].ci_low) is not None
                         and _number(rows[p].ci_high) is not None else None for p in positions]
                 for chain, rows in list(chains.items())[-MAX_SERIES:]}
    return svg.trend_chart([cycles[p] for p in positions], series, intervals=intervals, title=title,
                           description=description, axis_label=_("Mean calibrated level"), y_min=0,
                           empty_label=_("No data yet"))


def change(table: Table, selection: Selection, title: str, description: str) -> bytes:
    competencies: dict[int, str] = {}
    campaigns: dict[str, dict[int, object]] = {}
    for row in table.rows:
        competencies.setdefault(row.group_id, row.group)
        campaigns.setdefault(f"{row.campaign} ({row.cycle_label})", {})[row.group_id] = row.change
    labels = list(competencies.values())
    series = {name: [_number(values.get(group_id)) for group_id in competencies]
              for name, values in list(campaigns.items())[-MAX_SERIES:]}
    if not series:
        series = {_("Change"): []}
    return svg.grouped_bar_chart(labels, series, title=title, description=description,
                                 axis_label=_("Change in mean calibrated level"), **_common(table))


def learning_activity(table: Table, selection: Selection, title: str, description: str) -> bytes:
    rows = [r for r in table.rows if not r.is_total]
    series = {_("With an accepted plan"): [_number(r.officials_with_plan) for r in rows],
              _("Enrolled in a path"): [_number(r.officials_enrolled) for r in rows],
              _("Completed a path"): [_number(r.officials_completed) for r in rows]}
    return svg.grouped_bar_chart([label(r.organisation) for r in rows], series, title=title,
                                 description=description, axis_label=_("Officials"), value_format="{:.0f}",
                                 **_common(table))


def follow_ups(table: Table, selection: Selection, title: str, description: str) -> bytes:
    organisations: dict[object, str] = {}
    shares: dict[str, dict[object, object]] = {answer: {} for answer in ("yes", "partly", "no")}
    for row in table.rows:
        if row.question == "applied" and row.answer in shares:
            organisations.setdefault(row.organisation_id, label(row.organisation))
            share = _number(row.share)
            shares[row.answer][row.organisation_id] = None if share is None else 100 * share
    series = {label(answer): [values.get(org) for org in organisations] for answer, values in shares.items()}
    return svg.grouped_bar_chart(list(organisations.values()), series, title=title, description=description,
                                 axis_label=_("Share of the answers (%)"), max_value=100,
                                 value_format="{:.0f}%", **_common(table))


def countries(table: Table, selection: Selection, title: str, description: str) -> bytes:
    return svg.bar_chart([r.country for r in table.rows], [_number(r.mean_gap) for r in table.rows],
                         title=title, description=description, axis_label=_("Mean gap (levels)"),
                         **_common(table))


@dataclass(frozen=True)
class ChartSpec:
    table: str
    title: object  # lazy strings, translated when shown
    description: object
    draw: Callable[[Table, Selection, str, str], bytes]


CHARTS = {
    "participation": ChartSpec("participation", _l("Officials invited, started and submitted"), _l(
        "Bar chart: for each campaign (or, with one campaign picked, each organisation), the officials "
        "invited, those who started and those who submitted. The table below gives the same numbers."),
        participation),
    "heatmap": ChartSpec("heatmap", _l("Mean gap by organisation and competency"), _l(
        "Heatmap: the mean gap, in levels, of each organisation (rows) in each competency (columns); "
        "darker is a larger gap, in the same colours as the table below, which gives the same "
        "numbers."), heatmap),
    "levels": ChartSpec("levels", _l("Officials at each level, per competency"), _l(
        "Stacked bar chart: for each competency, the share of officials at each level of the scale. "
        "The table below gives the counts."), levels),
    "assets": ChartSpec("assets", _l("Officials at practitioner level or above"), _l(
        "Bar chart: for each competency, how many officials are at practitioner level or above and "
        "could mentor or train others. The table below gives the same numbers."), assets),
    "trend": ChartSpec("trend", _l("Mean level across cycles, with 95% confidence intervals"), _l(
        "Line chart: the mean calibrated level of the officials assessed in each cycle, with error "
        "bars for the 95% confidence interval, one line per series of campaigns. The table below "
        "gives the same numbers."), trend),
    "change-by-competency": ChartSpec("change-by-competency", _l("Paired change by competency"), _l(
        "Bar chart: for each competency, the mean change in calibrated level of the officials "
        "assessed in both a follow-up and its baseline, one bar per follow-up campaign. The table "
        "below gives the same numbers with their confidence intervals."), change),
    "learning-activity": ChartSpec("learning-activity", _l("Learning activity by organisation"), _l(
        "Bar chart: for each organisation, the officials with an accepted learning plan, those "
        "enrolled in a path and those who completed one. The table below gives the same numbers."),
        learning_activity),
    "follow-ups": ChartSpec("follow-ups", _l("Have officials applied what they learned?"), _l(
        "Bar chart: for each organisation, the share of follow-up answers saying yes, partly and no "
        "to having applied the training at work. The table below gives the same numbers."),
        follow_ups),
    "countries": ChartSpec("countries", _l("Mean gap by country"), _l(
        "Bar chart: the mean gap, in levels, of each country's officials in their latest "
        "assessment. The table below gives the same numbers."), countries),
}
