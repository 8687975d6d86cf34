"""The largest content gaps: where officials have gaps and the catalogue has no material, or too
little (app.services.evaluation.content_gaps), with the officials counted under the small-cell rule."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.services.evaluation.common import DEFAULT_K, Scope, Suppressed, Table, count_cell
from app.services.evaluation.content_gaps import DEFAULT_MIN_RESOURCES, content_gaps


@dataclass(frozen=True)
class ContentGapRow:
    competency_code: str
    competency: str
    level: int  # the officials' current level; material must take them beyond it
    language: str
    language_name: str
    officials: int | Suppressed
    resources_in_language: int
    resources_any_language: int
    status: str  # none | too little


CONTENT_GAP_COLUMNS = ("competency_code", "competency", "level", "language", "officials",
                       "resources_in_language", "resources_any_language", "status")


def largest_content_gaps(session: Session, scope: Scope, k: int = DEFAULT_K, top: int = 10,
                         min_resources: int = DEFAULT_MIN_RESOURCES) -> Table[ContentGapRow]:
    """The ``top`` content gaps with the most officials affected, in the viewer's countries.

    Gaps are counted on each official's latest result in the countries (the content-gap report's
    rule): the organisation, role profile and campaign filters do not apply. The number of officials
    is shown only from ``k`` (the gap itself — what material is missing — is not about anyone).
    A constant number of statements (those of content_gaps).
    """
    report = content_gaps(session, scope, min_resources)[:top]
    return Table("content-gaps", CONTENT_GAP_COLUMNS, [
        ContentGapRow(g.competency_code, g.competency_name, g.level, g.language, g.language_name,
                      count_cell(g.officials, k), g.resources_in_language, g.resources_any_language,
                      g.status)
        for g in report], k)
