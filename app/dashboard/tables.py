"""Every dashboard table by its name: the name is the export's and the chart's URL, so a page, its
charts and its CSV and XLSX files are built by the same call on the same selection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.dashboard.selection import Selection
from app.services import evaluation
from app.services.evaluation import Table
from app.services.evaluation.countries import countries_side_by_side

Build = Callable[[Session, Selection, int], Table]


@dataclass(frozen=True)
class TableSpec:
    name: str
    build: Build
    admin_only: bool = False
    learning: bool = False  # counts officials' learning: cached by the learning data version too


def _with_k(function) -> Build:
    return lambda session, sel, k: function(session, sel.scope, sel.filters, k)


def _without_k(function) -> Build:  # organisation-level figures: no small-cell rule
    return lambda session, sel, k: function(session, sel.scope, sel.filters)


SPECS = (
    TableSpec("participation", _with_k(evaluation.participation_funnel)),
    TableSpec("organisation-maturity", _without_k(evaluation.organisation_maturity)),
    TableSpec("heatmap", _with_k(evaluation.heatmap)),
    TableSpec("levels", _with_k(evaluation.level_distribution)),
    TableSpec("assets", _with_k(evaluation.assets)),
    # The whole report (its page and every download); the skills page shows its ten largest rows.
    TableSpec("content-gaps", lambda session, sel, k: evaluation.largest_content_gaps(session, sel.scope, k)),
    TableSpec("trend", _with_k(evaluation.trend)),
    TableSpec("indicators", _without_k(evaluation.indicator_values)),
    TableSpec("pairing-by-organisation",
              lambda session, sel, k: evaluation.pairing(session, sel.scope, sel.filters, k,
                                                        by="organisation")),
    TableSpec("change-by-competency", _with_k(evaluation.change_by_competency)),
    TableSpec("change-by-organisation", _with_k(evaluation.change_by_organisation)),
    TableSpec("change-by-role-profile", _with_k(evaluation.change_by_role_profile)),
    TableSpec("learning-activity", _with_k(evaluation.learning_activity), learning=True),
    TableSpec("resource-feedback", _with_k(evaluation.resource_feedback), learning=True),
    TableSpec("path-feedback", _with_k(evaluation.path_feedback), learning=True),
    TableSpec("follow-ups", _with_k(evaluation.follow_up_answers), learning=True),
    TableSpec("countries", _with_k(countries_side_by_side), admin_only=True),
)
TABLES = {spec.name: spec for spec in SPECS}

# Which tables each page shows, in order.
PAGES = {
    "index": ("participation", "organisation-maturity"),
    "skills": ("heatmap", "levels", "assets", "content-gaps"),
    "change": ("trend", "indicators", "pairing-by-organisation", "change-by-competency",
               "change-by-organisation", "change-by-role-profile"),
    "learning": ("learning-activity", "resource-feedback", "path-feedback", "follow-ups"),
    "countries": ("countries",),
}


def counts_learning(names) -> bool:
    """Whether any of these tables counts officials' learning (app.services.evaluation.data_version)."""
    return any(TABLES[name].learning for name in names)


def build(session: Session, selection: Selection, k: int, names) -> dict[str, Table]:
    """The tables, in the order asked for. The content gaps are built first: they read the fullest
    grouping of the results (app.services.evaluation.cells), which the heatmap, levels and assets
    then add up instead of grouping the results again."""
    order = sorted(names, key=lambda name: name != "content-gaps")
    built = {name: TABLES[name].build(session, selection, k) for name in order}
    return {name: built[name] for name in names}


def level_grid(table: Table) -> tuple[list[tuple[int, str]], list[dict]]:
    """The level distribution as a grid for a page: the levels (columns), and per competency its
    code, name, count per level, total (the officials assessed) and the officials not assessed."""
    levels: dict[int, str] = {}
    competencies: dict[int, dict] = {}
    for row in table.rows:
        entry = competencies.setdefault(row.competency_id, {"code": row.competency_code,
                                                            "name": row.competency, "counts": {},
                                                            "total": None, "not_assessed": None})
        if row.is_total:
            entry["total"], entry["not_assessed"] = row.officials, row.not_assessed
        else:
            levels.setdefault(row.level, row.level_name)
            entry["counts"][row.level] = row.officials
    return sorted(levels.items()), list(competencies.values())


def grid(rows, by: tuple[str, ...], across: str | tuple[str, ...]
         ) -> tuple[list[tuple[tuple, object]], list, dict]:
    """Rows of a table laid out as a grid for a page: one line per distinct value of the attributes
    ``by`` (with the first row that has it, for its labels), one column per value of ``across`` (an
    attribute, or a tuple of them), in the order the rows come; and each row by (line, column). No
    figure is worked out here."""
    lines: dict[tuple, object] = {}
    columns: dict[object, None] = {}
    cells: dict[tuple, object] = {}
    for row in rows:
        line = tuple(getattr(row, name) for name in by)
        lines.setdefault(line, row)
        column = (getattr(row, across) if isinstance(across, str)
                  else tuple(getattr(row, name) for name in across))
        columns.setdefault(column, None)
        cells[(line, column)] = row
    return list(lines.items()), list(columns), cells


def column_groups(columns: list[tuple]) -> list[tuple[object, list[tuple]]]:
    """Columns of a grid keyed by (group, value), by group in the order they come: [(group, columns)]."""
    groups: dict[object, list[tuple]] = {}
    for column in columns:
        groups.setdefault(column[0], []).append(column)
    return list(groups.items())
