"""Storing an attempt's results: the form's items and answers through the scoring rules, one
CompetencyResult per competency, in the submitting transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Answer,
    Attempt,
    AttemptItem,
    CompetencyResult,
    Item,
    ProficiencyLevel,
    RoleTarget,
)
from app.services.assessment import scoring
from app.services.assessment.scoring import CompetencyScore, Minimum, ScoredItem


def scored_items(session: Session, attempt: Attempt) -> list[ScoredItem]:
    """The items of the attempt's form, as scoring reads them."""
    rows = session.execute(
        select(Item.id, Item.kind, Item.competency_id, Item.level, Item.key, Item.options)
        .join(AttemptItem, AttemptItem.item_id == Item.id)
        .where(AttemptItem.attempt_id == attempt.id).order_by(Item.position)
    ).all()
    return [ScoredItem(id=row.id, kind=row.kind, competency_id=row.competency_id, level=row.level,
                       key=row.key, options=len(row.options or []))
            for row in rows]


def scale(session: Session, framework_id: int) -> tuple[int, ...]:
    return tuple(session.scalars(select(ProficiencyLevel.level).where(
        ProficiencyLevel.framework_id == framework_id).order_by(ProficiencyLevel.level))) or scoring.LEVELS


def scores(session: Session, attempt: Attempt) -> list[CompetencyScore]:
    """The attempt's scores under the current rule, from what is stored."""
    answers = dict(session.execute(
        select(Answer.item_id, Answer.value).where(Answer.attempt_id == attempt.id)).all())
    targets: dict[int, int] = {}
    if attempt.role_profile_id is not None:
        targets = dict(session.execute(
            select(RoleTarget.competency_id, RoleTarget.level)
            .where(RoleTarget.role_profile_id == attempt.role_profile_id)).all())
    minimum = Minimum(checks=attempt.campaign.min_checks, self_rating=attempt.campaign.require_self_rating)
    return scoring.score_answers(scored_items(session, attempt), answers, targets, minimum,
                                 scale(session, attempt.instrument.framework_id))


def result_values(score: CompetencyScore) -> dict:
    """The CompetencyResult columns of one score."""
    low, high = score.interval if score.interval is not None else (None, None)
    return dict(
        self_level=score.self_level, evidence={str(level): share for level, share in score.evidence.items()},
        knowledge_correct=score.knowledge_correct, knowledge_total=score.knowledge_total,
        knowledge_offered=score.knowledge_offered, evidence_level=score.evidence_level,
        estimated_level=score.level, calibrated_level=score.level, probabilities=score.probabilities,
        probability=score.probability, interval_low=low, interval_high=high, confidence=score.confidence,
        target_level=score.target_level, gap=score.gap, source=score.source,
        rule_version=scoring.RULE_VERSION,
    )


def store_results(session: Session, attempt: Attempt) -> list[CompetencyResult]:
    """Score ``attempt`` and add one CompetencyResult per competency (the caller commits)."""
    results = [CompetencyResult(attempt_id=attempt.id, competency_id=score.competency_id,
                                **result_values(score))
               for score in scores(session, attempt)]
    session.add_all(results)
    return results
