"""What the result page shows of a submitted attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, selectinload

from app.models import (
    Area,
    Attempt,
    Competency,
    CompetencyResult,
    Item,
    ItemKind,
    ProficiencyLevel,
)
from app.services.assessment import forms, scoring
from app.services.assessment.campaigns import window_state
from app.services.assessment.questions import Question, questions
from app.services.assessment.window import window_end

# Results ------------------------------------------------------------------------------------------------

def results(session: Session, attempt: Attempt) -> list[CompetencyResult]:
    """The attempt's competency results with competency and area loaded, in framework order."""
    return list(session.scalars(
        select(CompetencyResult).where(CompetencyResult.attempt_id == attempt.id)
        .join(CompetencyResult.competency).join(Competency.area)
        .options(contains_eager(CompetencyResult.competency).contains_eager(Competency.area))
        .order_by(Area.position, Competency.position, Competency.id)
    ))


@dataclass
class AreaResults:
    area: Area
    results: list[CompetencyResult]


@dataclass
class KnowledgeCheck:
    question: Question

    @property
    def correct(self) -> bool:
        return scoring.is_right(self.question.item.key, self.question.value)

    @property
    def key_text(self) -> str:
        labels = {choice.value: choice.label for choice in self.question.choices}
        return labels.get(str(self.question.item.key), str(self.question.item.key))


@dataclass
class ResultPage:
    areas: list[AreaResults]
    strengths: list[CompetencyResult]  # at or above the role's target
    gaps: list[CompetencyResult]  # below the target, largest first
    has_targets: bool
    max_level: int
    level_names: dict[int, str]
    knowledge: list[KnowledgeCheck]  # empty while keys are held back
    context: list[Question]
    keys_shown: bool  # after the campaign closes, or at once on a practice instrument
    keys_from: datetime | None  # when they will be shown, while held back
    not_assessed: list[CompetencyResult]


def keys_shown(attempt: Attempt, now: datetime) -> bool:
    """Keys and explanations are held back until the campaign closes, so the checks stay fair for those
    still answering and for later forms; a practice instrument shows them at once."""
    return attempt.instrument.practice or window_state(attempt.campaign, now) == "closed"


def result_page(session: Session, attempt: Attempt, now: datetime) -> ResultPage:
    """What the result page shows of a submitted attempt, in a fixed number of queries."""
    rows = results(session, attempt)
    areas: list[AreaResults] = []
    for row in rows:
        if not areas or areas[-1].area.id != row.competency.area_id:
            areas.append(AreaResults(row.competency.area, []))
        areas[-1].results.append(row)
    targeted = [row for row in rows if row.gap is not None]
    level_names = dict(session.execute(
        select(ProficiencyLevel.level, ProficiencyLevel.name)
        .where(ProficiencyLevel.framework_id == attempt.instrument.framework_id)
    ).all())
    items = session.scalars(
        select(Item).where(Item.instrument_id == attempt.instrument_id, forms.in_form(attempt.id),
                           Item.kind.in_([ItemKind.KNOWLEDGE, ItemKind.CONTEXT]))
        .order_by(Item.position).options(selectinload(Item.competency))
    ).all()
    shown = questions(session, attempt, items)
    show_keys = keys_shown(attempt, now)
    return ResultPage(
        areas=areas,
        strengths=[row for row in targeted if row.gap == 0],
        gaps=sorted((row for row in targeted if row.gap), key=lambda row: -(row.gap or 0)),
        has_targets=bool(targeted),
        max_level=max(level_names, default=4),
        level_names=level_names,
        knowledge=([KnowledgeCheck(q) for q in shown if q.item.kind == ItemKind.KNOWLEDGE]
                   if show_keys else []),
        context=[q for q in shown if q.item.kind == ItemKind.CONTEXT],
        keys_shown=show_keys,
        keys_from=None if show_keys else window_end(attempt.campaign),
        not_assessed=[row for row in rows if not row.assessed],
    )
