"""The content-gap table ("content-gaps"): where officials have gaps and the catalogue has no material,
or too little. The one table behind the report page, the skills page's largest gaps, their CSV and
XLSX files and `flask catalogue gaps`.

Demand is counted per (competency, level, language) on each official's latest submitted attempt in
the viewer's countries (app.services.assessment.latest; the organisation, role profile and campaign
filters do not apply): each official with a gap in a competency counts once, at their current
calibrated level (the level a resource must start at or below and go beyond), in their first language
(the first one they ticked in their latest assessment's language answer, else their account's
language, else English). A competency that was not assessed has no level and is not demand. Supply is
the number of published resources that serve that level in that language; the table lists the
combinations with fewer than ``min_resources`` of them, with what exists in other languages (where a
translation might be enough).

The number of officials of a row is released (app.services.evaluation.release) as a count of users,
keyed by the sum of their ids: under ``k`` it is hidden. What material is missing is not about anyone
and is shown plainly. Rows come most officials first by the released count, the hidden ones last in
the order of competency, level and language, so their order tells nothing of their size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Competency, Resource, ResourceCompetency
from app.services.assessment.context import primary
from app.services.evaluation.cells import result_cells
from app.services.evaluation.common import DEFAULT_K, NO_FILTERS, Scope, Suppressed, Table
from app.services.evaluation.release import Count, Release, as_release
from app.services.learning.matching import language_name

NAME = "content-gaps"
DEFAULT_MIN_RESOURCES = 2
COLUMNS = ("competency_code", "competency", "level", "language", "officials", "resources_in_language",
           "resources_any_language", "status")
PLAIN = tuple(column for column in COLUMNS if column != "officials")


@dataclass(frozen=True)
class ContentGapRow:
    competency_code: str
    competency: str
    level: int  # the officials' current level; material must take them beyond it
    language: str  # primary subtag, lower case
    officials: Count | Suppressed
    resources_in_language: int
    resources_any_language: int
    status: str  # none | too little
    competency_id: int | None = None  # for a link to the catalogue's material (not a column of the files)

    @property
    def language_name(self) -> str:
        return language_name(self.language)


def largest_content_gaps(session: Session, scope: Scope, k: int | Release = DEFAULT_K, top: int | None = None,
                         min_resources: int = DEFAULT_MIN_RESOURCES) -> Table[ContentGapRow]:
    """The content gaps in the viewer's countries, the largest first: all of them (``top`` None: the
    report) or the ``top`` first (the skills page). Two statements, whatever the data."""
    release = as_release(k)
    demand = _demand(session, scope)
    report: list[ContentGapRow] = []
    if not demand.empty:
        supply = _supply(session, demand["competency_id"].unique().tolist())
        for row in demand.itertuples():
            serving = supply[(supply.competency_id == row.competency_id) & (supply.level_from <= row.level)
                             & (supply.level_to > row.level)]
            in_language = sum(row.language in codes for codes in serving["languages"])
            if in_language >= min_resources:
                continue
            report.append(ContentGapRow(
                row.code, row.name, int(row.level), row.language,
                release.count(int(row.officials), int(row.key), "users"), int(in_language), len(serving),
                "none" if in_language == 0 else "too little", competency_id=int(row.competency_id)))
    report.sort(key=_order)
    return Table(NAME, COLUMNS, report if top is None else report[:top], release.k, plain=PLAIN)


def _order(row: ContentGapRow) -> tuple[Any, ...]:
    hidden = isinstance(row.officials, Suppressed)
    return (hidden, 0 if hidden else -int(row.officials), row.competency_code, row.level, row.language)


def _demand(session: Session, scope: Scope) -> pd.DataFrame:
    """One row per (competency, level, language) with a gap: the officials (``officials``) and the sum
    of their ids (``key``), with the competency's code and name. The sums of the shared cells of the
    unfiltered selection (app.services.evaluation.cells: the skills page groups the latest results
    once for its tables and this one), each read for its first language, and the groups that share
    one added up. Two statements (one shared)."""
    cells = result_cells(session, scope, NO_FILTERS, languages=True)
    found = cells[cells.level.notna() & cells.positive_gap]  # not assessed is never demand
    if found.empty:
        return pd.DataFrame(columns=["competency_id", "code", "name", "level", "language", "officials",
                                     "key"])
    found = found.assign(language=[_first_language(first, locale)
                                   for first, locale in zip(found["first_language"], found["locale"],
                                                            strict=True)])
    demand = (found.groupby(["competency_id", "level", "language"])
              .agg(officials=("n", "sum"), key=("user_key", "sum")).reset_index())
    named = {row.id: (row.code, row.name) for row in session.execute(
        select(Competency.id, Competency.code, Competency.name)
        .where(Competency.id.in_(sorted(int(c) for c in demand.competency_id.unique()))))}
    return demand.assign(code=demand.competency_id.map(lambda c: named[c][0]),
                         name=demand.competency_id.map(lambda c: named[c][1]))


def _first_language(first: str | None, locale: str | None) -> str:
    """The official's first language (primary subtag, lower case): the first one they ticked in
    their latest assessment, else their account's language, else English."""
    chosen = first if first else (locale if isinstance(locale, str) and locale else "en")
    return primary(chosen)


def _supply(session: Session, competency_ids: list[int]) -> pd.DataFrame:
    """The published resources teaching these competencies: levels served and languages. One statement."""
    supply = pd.DataFrame(session.execute(
        select(ResourceCompetency.competency_id, ResourceCompetency.level_from,
               ResourceCompetency.level_to, Resource.languages)
        .join(Resource, Resource.id == ResourceCompetency.resource_id)
        .where(Resource.status == "published", ResourceCompetency.competency_id.in_(competency_ids))
    ).all(), columns=["competency_id", "level_from", "level_to", "languages"])
    supply["languages"] = supply["languages"].map(lambda codes: {c.split("-")[0].lower() for c in codes})
    return supply
