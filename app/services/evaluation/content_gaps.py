"""The content-gap report: where officials have gaps and the catalogue has no material, or too little.

Demand is counted per (competency, level, language): each official with a gap in a competency counts
once, at their current calibrated level (the level a resource must start at or below and go beyond),
in their first language (the first one they ticked in their latest assessment's language answer, else
their account's language, else English). A competency that was not assessed has no level and is not
demand. Supply is the number of published resources that serve that level in that
language; the report lists the combinations with fewer than ``min_resources`` of them, most officials
affected first, with what exists in other languages (where a translation might be enough).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Answer,
    Attempt,
    AttemptStatus,
    Competency,
    CompetencyResult,
    Item,
    Resource,
    ResourceCompetency,
    User,
)
from app.services.matching import language_name
from app.services.plans import languages_from_answer

LANGUAGE_ITEM = "ctx-languages"
DEFAULT_MIN_RESOURCES = 2


@dataclass(frozen=True)
class ContentGap:
    competency_code: str
    competency_name: str
    level: int  # the officials' current level; material must take them beyond it
    language: str
    officials: int
    resources_in_language: int
    resources_any_language: int

    @property
    def status(self) -> str:
        return "none" if self.resources_in_language == 0 else "too little"

    @property
    def language_name(self) -> str:
        return language_name(self.language)


def _latest_attempts(session: Session, country_ids: frozenset[int] | None) -> pd.DataFrame:
    stmt = (select(Attempt.id.label("attempt_id"), Attempt.user_id, Attempt.submitted_at,
                   User.locale)
            .join(User, User.id == Attempt.user_id)
            .where(Attempt.status == AttemptStatus.SUBMITTED))
    if country_ids is not None:
        stmt = stmt.where(Attempt.country_id.in_(country_ids))
    frame = pd.DataFrame(session.execute(stmt).all(),
                         columns=["attempt_id", "user_id", "submitted_at", "locale"])
    return frame.sort_values(["submitted_at", "attempt_id"]).drop_duplicates("user_id", keep="last")


def _first_languages(session: Session, attempts: pd.DataFrame) -> pd.Series:
    """attempt_id -> the official's first language (primary subtag, lower case)."""
    answers = dict(session.execute(
        select(Answer.attempt_id, Answer.value).join(Item, Item.id == Answer.item_id)
        .where(Item.code == LANGUAGE_ITEM, Answer.attempt_id.in_(attempts["attempt_id"].tolist()))
    ).all())

    def first(row) -> str:
        named = languages_from_answer(answers.get(row.attempt_id))  # in the order they were ticked
        chosen = named[0] if named else row.locale or "en"
        return str(chosen).split("-")[0].lower()

    return pd.Series([first(row) for row in attempts.itertuples()], index=attempts["attempt_id"])


def content_gaps(session: Session, country_ids: frozenset[int] | None,
                 min_resources: int = DEFAULT_MIN_RESOURCES) -> list[ContentGap]:
    """The report for the given countries (None: every country). See the module docstring."""
    attempts = _latest_attempts(session, country_ids)
    if attempts.empty:
        return []
    gaps = pd.DataFrame(session.execute(
        select(CompetencyResult.attempt_id, CompetencyResult.competency_id,
               CompetencyResult.calibrated_level.label("level"))
        .where(CompetencyResult.attempt_id.in_(attempts["attempt_id"].tolist()),
               CompetencyResult.calibrated_level.is_not(None),  # not assessed is never demand
               CompetencyResult.gap > 0)
    ).all(), columns=["attempt_id", "competency_id", "level"])
    if gaps.empty:
        return []
    gaps["language"] = gaps["attempt_id"].map(_first_languages(session, attempts))
    demand = (gaps.groupby(["competency_id", "level", "language"]).size()
              .rename("officials").reset_index())

    supply = pd.DataFrame(session.execute(
        select(ResourceCompetency.competency_id, ResourceCompetency.level_from,
               ResourceCompetency.level_to, Resource.languages)
        .join(Resource, Resource.id == ResourceCompetency.resource_id)
        .where(Resource.status == "published",
               ResourceCompetency.competency_id.in_(demand["competency_id"].unique().tolist()))
    ).all(), columns=["competency_id", "level_from", "level_to", "languages"])
    supply["languages"] = supply["languages"].map(lambda codes: {c.split("-")[0].lower() for c in codes})

    competencies = {cid: (code, name) for cid, code, name in session.execute(
        select(Competency.id, Competency.code, Competency.name)
        .where(Competency.id.in_(demand["competency_id"].unique().tolist())))}
    report = []
    for row in demand.itertuples():
        serving = supply[(supply.competency_id == row.competency_id) & (supply.level_from <= row.level)
                         & (supply.level_to > row.level)]
        in_language = sum(row.language in codes for codes in serving["languages"])
        if in_language >= min_resources:
            continue
        code, name = competencies[row.competency_id]
        report.append(ContentGap(code, name, int(row.level), row.language, int(row.officials),
                                 in_language, len(serving)))
    return sorted(report, key=lambda g: (-g.officials, g.competency_code, g.level, g.language))
