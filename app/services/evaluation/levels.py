"""Where a country's officials stand, from each official's latest result (or the filtered campaign's):
the heatmap of organisations × competencies (mean gap), the level distribution per competency, and
the assets: officials at practitioner level or above, who can mentor or train others.

Every figure about officials is made by the release layer (app.services.evaluation.release), keyed
by its set of attempts: a count is "attempts", a mean gap ``gap_measure``. The same set of officials
gets the same figure however it is reached (with or without a filter, in any of these tables: the
assessed of a competency are the level distribution's total, the assets' ``assessed`` and, when
everyone has a target, the heatmap's "All organisations" officials), and a total minus its rows
gives a hidden row only with the noise of each.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Competency, ProficiencyLevel
from app.services.evaluation.cells import result_cells
from app.services.evaluation.common import (
    DEFAULT_K,
    NO_FILTERS,
    Figure,
    Filters,
    Scope,
    Suppressed,
    Table,
    level_bounds,
    organisation_names,
)
from app.services.evaluation.release import Bounds, Release, as_release

PRACTITIONER = 3  # the scale's "practitioner": can apply the competency unaided and help others


@dataclass(frozen=True)
class HeatmapCell:
    organisation_id: int | None  # None on the "All organisations" row
    organisation: str
    competency_id: int
    competency_code: str
    competency: str
    officials: int | Suppressed  # officials assessed with a target (so a gap) in this competency
    mean_gap: Figure
    not_assessed: int | Suppressed = 0  # officials whose result in it is not assessed (no gap)
    is_total: bool = False


HEATMAP_COLUMNS = ("organisation", "competency_code", "competency", "officials", "mean_gap",
                   "not_assessed")
HEATMAP_PLAIN = ("organisation", "competency_code", "competency")


def gap_measure(competency_id: int, filters: Filters) -> str:
    """What a sum of gaps in one competency measures, for the release layer."""
    return f"gap:{competency_id}:{'validated' if filters.validated_only else 'all'}"


def gap_bounds(session: Session) -> Bounds:
    """The range of a gap (target − level, never below zero) on the frameworks' scales. One statement."""
    return Bounds(0.0, level_bounds(session).width)


def heatmap(session: Session, scope: Scope, filters: Filters = NO_FILTERS, k: int | Release = DEFAULT_K
            ) -> Table[HeatmapCell]:
    """Organisations × competencies: the mean gap (target − calibrated level, never below zero) of
    the officials with a target in that competency, in long form (one cell per row), organisations in
    name order then an "All organisations" row per competency. The officials whose result is not
    assessed are left out of the mean and counted apart (``not_assessed``).

    Each cell is released on its own: a figure over fewer than ``k`` officials is hidden, every other
    one moved by the noise of its set of attempts, so "All organisations" minus the others does not
    give a hidden organisation's figures. Four statements (one of them shared with the level
    distribution and the assets: ``result_cells``).
    """
    release = as_release(k)
    frame = _heatmap_sums(result_cells(session, scope, filters))
    frame = frame[(frame.n > 0) | (frame.not_assessed > 0)]  # no target and nothing missing: no cell
    if frame.empty:
        return Table("heatmap", HEATMAP_COLUMNS, [], release.k, plain=HEATMAP_PLAIN)
    bounds = gap_bounds(session)
    competencies = _competencies(session, frame.competency_id)
    organisations = organisation_names(session, scope)
    frame["organisation"] = frame.organisation_id.map(organisations)

    def figures(cell, measure: str) -> tuple[Figure, Figure, Figure]:
        n, key_n = int(cell["n"]), int(cell["key_n"])
        return (release.count(n, key_n, "attempts"),
                release.mean(float(cell["total"]), n, key_n, measure, bounds),
                release.count(int(cell["not_assessed"]), int(cell["key_not_assessed"]), "attempts"))

    out: list[HeatmapCell] = []
    for competency_id in sorted(frame.competency_id.unique(), key=lambda c: competencies[c][2]):
        code, name, _position = competencies[competency_id]
        measure = gap_measure(int(competency_id), filters)
        cells = frame[frame.competency_id == competency_id].sort_values("organisation")
        for cell in cells.to_dict("records"):
            out.append(HeatmapCell(int(cell["organisation_id"]), cell["organisation"], int(competency_id),
                                   code, name, *figures(cell, measure)))
        out.append(HeatmapCell(None, "All organisations", int(competency_id), code, name,
                               *figures(cells.sum(numeric_only=True), measure), is_total=True))
    return Table("heatmap", HEATMAP_COLUMNS, out, release.k, plain=HEATMAP_PLAIN)


def heatmap_grid(table: Table[HeatmapCell]
                 ) -> tuple[list[tuple[int | None, str]], list[tuple[int, str, str]],
                            dict[tuple[int | None, int], HeatmapCell]]:
    """The heatmap as a grid for a page: (organisation rows, competency columns, cell by
    (organisation_id, competency_id)); the "All organisations" row (id None) comes last."""
    organisations: dict[int | None, str] = {}
    competencies: dict[int, tuple[int, str, str]] = {}
    for cell in table.rows:
        if not cell.is_total:
            organisations.setdefault(cell.organisation_id, cell.organisation)
        competencies.setdefault(cell.competency_id, (cell.competency_id, cell.competency_code,
                                                     cell.competency))
    org_rows = sorted(organisations.items(), key=lambda item: item[1])
    if table.rows:
        org_rows.append((None, "All organisations"))
    return (org_rows, list(competencies.values()),
            {(cell.organisation_id, cell.competency_id): cell for cell in table.rows})


# The heatmap from the shared cells -----------------------------------------------------------------


def _heatmap_sums(found: pd.DataFrame) -> pd.DataFrame:
    """Per organisation and competency: the officials assessed with a gap, their gaps' sum, those not
    assessed, and the keys of both sets."""
    frame = found.assign(
        with_gap=found.level.notna() & found.has_gap, missing=found.level.isna())
    frame = frame.assign(
        n=frame.n.where(frame.with_gap, 0), total=frame.gap.where(frame.with_gap, 0.0).fillna(0.0),
        not_assessed=frame.n.where(frame.missing, 0), key_n=frame.key.where(frame.with_gap, 0),
        key_not_assessed=frame.key.where(frame.missing, 0))
    columns = ["n", "total", "not_assessed", "key_n", "key_not_assessed"]
    return (frame.groupby(["organisation_id", "competency_id"])[columns].sum().reset_index()
            .astype({"n": "int64", "not_assessed": "int64", "key_n": "int64", "key_not_assessed": "int64"}))


# Level distribution and assets ---------------------------------------------------------------------


@dataclass(frozen=True)
class LevelRow:
    competency_id: int
    competency_code: str
    competency: str
    level: int | None  # None on the competency's total row
    level_name: str
    officials: int | Suppressed
    is_total: bool = False  # "All levels": the officials assessed
    # on the total row only: the officials whose result is not assessed, at no level and not in the total
    not_assessed: int | Suppressed | None = None


LEVEL_COLUMNS = ("competency_code", "competency", "level", "level_name", "officials", "not_assessed")
LEVEL_PLAIN = ("competency_code", "competency", "level", "level_name")


@dataclass(frozen=True)
class AssetRow:
    competency_id: int
    competency_code: str
    competency: str
    assessed: int | Suppressed
    practitioners: int | Suppressed  # officials at PRACTITIONER level or above
    not_assessed: int | Suppressed  # officials whose result is not assessed: at no level


ASSET_COLUMNS = ("competency_code", "competency", "assessed", "practitioners", "not_assessed")
ASSET_PLAIN = ("competency_code", "competency")

Counted = tuple[int, int]
"""The officials of a set and its key (the sum of their attempts' ids)."""


def level_distribution(session: Session, scope: Scope, filters: Filters = NO_FILTERS,
                       k: int | Release = DEFAULT_K) -> Table[LevelRow]:
    """Per competency, the number of officials at each calibrated level of the framework's scale
    (every level listed, zero included), then a total row ("All levels": the officials assessed)
    that also counts those not assessed (``not_assessed``), who are at no level and not in the total.

    Each count is released on its own, keyed by its set of attempts: one under ``k`` is hidden, and
    neither the total minus the shown levels nor the assets' practitioner subtotal (the same sets,
    the same figures) gives a hidden level exactly. Two statements.
    """
    release = as_release(k)
    out: list[LevelRow] = []
    for competency in _level_counts(session, scope, filters):
        head = (competency.id, competency.code, competency.name)
        for level, level_name in competency.levels.items():
            out.append(LevelRow(*head, level, level_name,
                                release.count(*competency.by_level[level], "attempts")))
        out.append(LevelRow(*head, None, "All levels", release.count(*competency.assessed, "attempts"),
                            is_total=True, not_assessed=release.count(*competency.not_assessed, "attempts")))
    return Table("levels", LEVEL_COLUMNS, out, release.k, plain=LEVEL_PLAIN)


def assets(session: Session, scope: Scope, filters: Filters = NO_FILTERS, k: int | Release = DEFAULT_K
           ) -> Table[AssetRow]:
    """Per competency, the officials assessed and those at practitioner level (3) or above in their
    latest result: the people who can mentor or train others, and those not assessed (counted
    apart). The same sets of attempts as ``level_distribution``, released the same way: the officials
    assessed are its total, to the official. Two statements."""
    release = as_release(k)
    return Table("assets", ASSET_COLUMNS, [
        AssetRow(competency.id, competency.code, competency.name,
                 release.count(*competency.assessed, "attempts"),
                 release.count(*competency.practitioners, "attempts"),
                 release.count(*competency.not_assessed, "attempts"))
        for competency in _level_counts(session, scope, filters)], release.k, plain=ASSET_PLAIN)


Counted = tuple[int, int]
"""The officials of a set of attempts and its key for the release layer (the sum of their ids)."""


@dataclass(frozen=True)
class _Levels:
    """One competency's counts: per level of its scale, and of the officials not assessed."""

    id: int
    code: str
    name: str
    levels: dict[int, str]  # the scale's levels, with any level found that the scale does not name
    by_level: dict[int, Counted]
    not_assessed: Counted

    @property
    def assessed(self) -> Counted:
        return _union(self.by_level.values())

    @property
    def practitioners(self) -> Counted:
        return _union(n for level, n in self.by_level.items() if level >= PRACTITIONER)


def _union(sets) -> Counted:
    """Disjoint sets taken together: their officials and their keys add up."""
    found = list(sets)
    return sum(n for n, _key in found), sum(key_n for _n, key_n in found)


def _level_counts(session: Session, scope: Scope, filters: Filters) -> list[_Levels]:
    """Per competency (in framework order), the officials and key at each level. Two statements, one
    of them shared (``result_cells``)."""
    found = (result_cells(session, scope, filters)
             .groupby(["competency_id", "level"], dropna=False)[["n", "key"]].sum())
    counts: dict[tuple[int, int | None], Counted] = {
        (int(competency_id), None if pd.isna(level) else int(level)): (int(n), int(key_n))
        for (competency_id, level), n, key_n in zip(found.index, found["n"], found["key"], strict=True)}
    if not counts:
        return []
    names: dict[int, tuple[str, str]] = {}
    levels: dict[int, dict[int, str]] = {}
    for competency_id, code, name, level, level_name in session.execute(
            select(Competency.id, Competency.code, Competency.name, ProficiencyLevel.level,
                   ProficiencyLevel.name)
            .outerjoin(ProficiencyLevel, ProficiencyLevel.framework_id == Competency.framework_id)
            .where(Competency.id.in_(sorted({c for c, _level in counts})))
            .order_by(Competency.position, Competency.id, ProficiencyLevel.level)):
        names[competency_id] = (code, name)
        if level is not None:
            levels.setdefault(competency_id, {})[level] = level_name
    for competency_id, level in counts:  # a level the scale does not name
        if level is not None:  # not assessed: at no level of the scale
            levels.setdefault(competency_id, {}).setdefault(level, str(level))
    out = []
    for competency_id, (code, name) in names.items():
        scale = dict(sorted(levels.get(competency_id, {}).items()))
        out.append(_Levels(competency_id, code, name, scale,
                           {level: counts.get((competency_id, level), (0, 0)) for level in scale},
                           counts.get((competency_id, None), (0, 0))))
    return out


def _competencies(session: Session, ids) -> dict[int, tuple[str, str, int]]:
    return {row.id: (row.code, row.name, row.position) for row in session.execute(
        select(Competency.id, Competency.code, Competency.name, Competency.position)
        .where(Competency.id.in_(sorted({int(i) for i in ids}))))}
