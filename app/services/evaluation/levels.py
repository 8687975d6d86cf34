"""Where a country's officials stand, from each official's latest result (or the filtered campaign's):
the heatmap of organisations × competencies (mean gap), the level distribution per competency, and
the assets: officials at practitioner level or above, who can mentor or train others."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from app.models import Competency, CompetencyResult, Organisation, ProficiencyLevel
from app.services.evaluation.common import (
    DEFAULT_K,
    NO_FILTERS,
    Figure,
    Filters,
    Scope,
    Suppressed,
    Table,
    assessed,
    chosen_attempts,
    count_cell,
    hidden_groups,
    ratio,
    result_filters,
    rows,
    shown,
)

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


def heatmap(session: Session, scope: Scope, filters: Filters = NO_FILTERS, k: int = DEFAULT_K
            ) -> Table[HeatmapCell]:
    """Organisations × competencies: the mean gap (target − calibrated level, never below zero) of
    the officials with a target in that competency, in long form (one cell per row), organisations in
    name order then an "All organisations" row per competency. The officials whose result is not
    assessed are left out of the mean and counted apart (``not_assessed``).

    Each competency is protected on its own: a cell over fewer than ``k`` officials is hidden, and
    with the all-organisations cell shown a lone hidden organisation takes the next smallest with it;
    the not-assessed counts the same way, on their own. Three statements.
    """
    chosen = chosen_attempts(scope, filters)
    with_gap = and_(assessed(CompetencyResult), CompetencyResult.gap.is_not(None))
    stmt = (select(chosen.c.organisation_id, CompetencyResult.competency_id,
                   func.sum(case((with_gap, 1), else_=0)).label("n"),
                   func.sum(case((with_gap, CompetencyResult.gap), else_=0)).label("total"),
                   func.sum(case((assessed(CompetencyResult), 0), else_=1)).label("not_assessed"))
            .join(CompetencyResult, CompetencyResult.attempt_id == chosen.c.attempt_id)
            .where(*result_filters(CompetencyResult, filters))
            .group_by(chosen.c.organisation_id, CompetencyResult.competency_id))
    if filters.competency_id is not None:
        stmt = stmt.where(CompetencyResult.competency_id == filters.competency_id)
    frame = pd.DataFrame(rows(session, stmt),
                         columns=["organisation_id", "competency_id", "n", "total", "not_assessed"])
    frame = frame[(frame.n > 0) | (frame.not_assessed > 0)]  # no target and nothing missing: no cell
    if frame.empty:
        return Table("heatmap", HEATMAP_COLUMNS, [], k)
    competencies = _competencies(session, frame.competency_id)
    organisations = dict(session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(sorted({int(o) for o in frame.organisation_id})))).all())
    frame["organisation"] = frame.organisation_id.map(organisations)
    out: list[HeatmapCell] = []
    for competency_id in sorted(frame.competency_id.unique(), key=lambda c: competencies[c][2]):
        code, name, _position = competencies[competency_id]
        cells = frame[frame.competency_id == competency_id].sort_values("organisation")
        hidden, total_hidden = hidden_groups(dict(zip(cells.organisation_id, cells.n, strict=True)), k)
        na_hidden, na_total_hidden = hidden_groups(
            dict(zip(cells.organisation_id, cells.not_assessed, strict=True)), k)
        for cell in cells.itertuples():
            n, org_hidden = int(cell.n), cell.organisation_id in hidden
            out.append(HeatmapCell(int(cell.organisation_id), cell.organisation, int(competency_id), code,
                                   name, count_cell(n, k, org_hidden),
                                   shown(ratio(float(cell.total), n), n, k, org_hidden),
                                   count_cell(int(cell.not_assessed), k, cell.organisation_id in na_hidden)))
        n, total = int(cells.n.sum()), float(cells.total.sum())
        out.append(HeatmapCell(None, "All organisations", int(competency_id), code, name,
                               count_cell(n, k, total_hidden), shown(ratio(total, n), n, k, total_hidden),
                               count_cell(int(cells.not_assessed.sum()), k, na_total_hidden),
                               is_total=True))
    return Table("heatmap", HEATMAP_COLUMNS, out, k)


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


@dataclass(frozen=True)
class AssetRow:
    competency_id: int
    competency_code: str
    competency: str
    assessed: int | Suppressed
    practitioners: int | Suppressed  # officials at PRACTITIONER level or above
    not_assessed: int | Suppressed  # officials whose result is not assessed: at no level


ASSET_COLUMNS = ("competency_code", "competency", "assessed", "practitioners", "not_assessed")


def level_distribution(session: Session, scope: Scope, filters: Filters = NO_FILTERS,
                       k: int = DEFAULT_K) -> Table[LevelRow]:
    """Per competency, the number of officials at each calibrated level of the framework's scale
    (every level listed, zero included), then a total row ("All levels": the officials assessed)
    that also counts those not assessed (``not_assessed``), who are at no level and not in the total.

    A count under ``k`` is hidden and a lone hidden level takes the next smallest with it (the total
    is shown). Because the assets table shows the practitioner-or-above subtotal of the same counts,
    a level hidden on either side of that line takes another on its own side with it, or the subtotal
    is hidden (see ``assets``). The not-assessed count is hidden under ``k``. Two statements.
    """
    counts, competencies, levels = _level_counts(session, scope, filters)
    out: list[LevelRow] = []
    for competency_id, (code, name, _position) in competencies.items():
        by_level = {level: counts.get((competency_id, level), 0) for level in levels.get(competency_id, {})}
        hidden, total_hidden, _practitioners_hidden = _protect_levels(by_level, k)
        for level, level_name in levels.get(competency_id, {}).items():
            out.append(LevelRow(competency_id, code, name, level, level_name,
                                count_cell(by_level[level], k, level in hidden)))
        out.append(LevelRow(competency_id, code, name, None, "All levels",
                            count_cell(sum(by_level.values()), k, total_hidden), is_total=True,
                            not_assessed=count_cell(counts.get((competency_id, None), 0), k)))
    return Table("levels", LEVEL_COLUMNS, out, k)


def assets(session: Session, scope: Scope, filters: Filters = NO_FILTERS, k: int = DEFAULT_K
           ) -> Table[AssetRow]:
    """Per competency, the officials assessed and those at practitioner level (3) or above in their
    latest result: the people who can mentor or train others, and those not assessed (counted
    apart). Protected together with ``level_distribution`` (the same officials, the same counts).
    Two statements."""
    counts, competencies, levels = _level_counts(session, scope, filters)
    out: list[AssetRow] = []
    for competency_id, (code, name, _position) in competencies.items():
        by_level = {level: counts.get((competency_id, level), 0) for level in levels.get(competency_id, {})}
        _hidden, total_hidden, practitioners_hidden = _protect_levels(by_level, k)
        practitioners = sum(n for level, n in by_level.items() if level >= PRACTITIONER)
        out.append(AssetRow(competency_id, code, name, count_cell(sum(by_level.values()), k, total_hidden),
                            count_cell(practitioners, k, practitioners_hidden),
                            count_cell(counts.get((competency_id, None), 0), k)))
    return Table("assets", ASSET_COLUMNS, out, k)


def _level_counts(session: Session, scope: Scope, filters: Filters):
    """((competency id, level) -> officials, the level None for those not assessed; competencies;
    the scale's levels per competency, with any level found that the scale does not name)."""
    chosen = chosen_attempts(scope, filters)
    stmt = (select(CompetencyResult.competency_id, CompetencyResult.calibrated_level, func.count())
            .join(chosen, chosen.c.attempt_id == CompetencyResult.attempt_id)
            .where(*result_filters(CompetencyResult, filters))
            .group_by(CompetencyResult.competency_id, CompetencyResult.calibrated_level))
    if filters.competency_id is not None:
        stmt = stmt.where(CompetencyResult.competency_id == filters.competency_id)
    counts = {(competency_id, level): n for competency_id, level, n in session.execute(stmt)}
    competencies: dict[int, tuple[str, str, int]] = {}
    levels: dict[int, dict[int, str]] = {}
    if counts:
        scale = session.execute(
            select(Competency.id, Competency.code, Competency.name, Competency.position,
                   ProficiencyLevel.level, ProficiencyLevel.name)
            .outerjoin(ProficiencyLevel, ProficiencyLevel.framework_id == Competency.framework_id)
            .where(Competency.id.in_(sorted({c for c, _level in counts})))
            .order_by(Competency.position, Competency.id, ProficiencyLevel.level))
        for competency_id, code, name, _position, level, level_name in scale:
            competencies[competency_id] = (code, name, _position)
            if level is not None:
                levels.setdefault(competency_id, {})[level] = level_name
        for (competency_id, level), _n in counts.items():  # a level the scale does not name
            if level is not None:  # not assessed: at no level of the scale
                levels.setdefault(competency_id, {}).setdefault(level, str(level))
        levels = {c: dict(sorted(by_level.items())) for c, by_level in levels.items()}
    return counts, competencies, levels


def _protect_levels(by_level: dict[int, int], k: int) -> tuple[set[int], bool, bool]:
    """(hidden levels, total hidden, practitioner subtotal hidden) for one competency's counts.

    The practitioner subtotal splits the levels in two parts whose sums are known (subtotal, and
    total − subtotal); within each part a single hidden level could be worked out from the part's
    sum, so it takes the smallest visible level of its part with it, or, with none to take, the
    subtotal is hidden instead.
    """
    hidden, total_hidden = hidden_groups(by_level, k)
    practitioners = sum(n for level, n in by_level.items() if level >= PRACTITIONER)
    practitioners_hidden = total_hidden or 0 < practitioners < k
    if not practitioners_hidden:
        for part in ([lv for lv in by_level if lv >= PRACTITIONER], [lv for lv in by_level
                                                                    if lv < PRACTITIONER]):
            if sum(1 for level in part if level in hidden) != 1:
                continue
            visible = sorted((by_level[level], level) for level in part
                             if level not in hidden and by_level[level] > 0)
            if visible:
                hidden.add(visible[0][1])
            else:
                practitioners_hidden = True
    return {int(level) for level in hidden}, total_hidden, practitioners_hidden


def _competencies(session: Session, ids) -> dict[int, tuple[str, str, int]]:
    return {row.id: (row.code, row.name, row.position) for row in session.execute(
        select(Competency.id, Competency.code, Competency.name, Competency.position)
        .where(Competency.id.in_(sorted({int(i) for i in ids}))))}
