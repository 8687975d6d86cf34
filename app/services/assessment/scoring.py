"""Scoring a submitted attempt: per competency, the self-rating, the knowledge evidence, a calibrated level,
a confidence flag and the gap to the role's target.

The rules, in the words the help page uses ("How your results are worked out"):

- **Self-rated level**: the level whose descriptor the official picked for the competency.
- **Knowledge evidence**: for each level that has knowledge checks, the share of those checks answered
  correctly. A check left unanswered counts as not answered correctly: it was offered and nothing shows
  the level (otherwise skipping the hard questions would lift the result).
- **Evidence level**: the highest level L at which at least half of the checks at L were answered
  correctly; 0 when no level reaches half; none when the competency has no knowledge checks at all.
- **Calibrated level**: the self-rating capped one level above the evidence level,
  ``min(self, evidence + 1)``. Without knowledge checks it is the self-rating. Without a self-rating it is
  the evidence level alone (what the checks show, with no claim to stretch it); with neither, 0.
- **Confidence**: "over" when the self-rating is two or more levels above the evidence level, "under"
  when it is two or more levels below, otherwise "ok". Always "ok" when either is missing.
- **Gap**: ``max(0, target - calibrated)`` when the role profile sets a target for the competency;
  none otherwise. A gap is never negative: being above the target is a strength, not a negative gap.

Everything but ``store_results`` is a pure function, so the rules can be tested without a database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Answer, Attempt, CompetencyResult, Item, ItemKind, RoleTarget

OVER, UNDER, OK = "over", "under", "ok"
PASS_SHARE = 0.5  # at least half of the checks at a level, answered correctly, support that level


@dataclass(frozen=True)
class Check:
    """One knowledge check of a competency: the level it evidences and whether it was answered right."""

    level: int
    correct: bool


@dataclass(frozen=True)
class CompetencyScore:
    competency_id: int
    self_level: int | None
    evidence: dict[int, float] = field(default_factory=dict)  # level -> share correct
    knowledge_correct: int = 0
    knowledge_total: int = 0
    evidence_level: int | None = None
    calibrated_level: int = 0
    confidence: str = OK
    target_level: int | None = None
    gap: int | None = None


def evidence_shares(checks: Iterable[Check]) -> dict[int, float]:
    """The share of checks answered correctly at each level that has checks."""
    right: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)
    for check in checks:
        total[check.level] += 1
        right[check.level] += check.correct
    return {level: right[level] / total[level] for level in sorted(total)}


def evidence_level(shares: Mapping[int, float]) -> int | None:
    """The highest level with at least half its checks right; 0 if none; None without any checks."""
    if not shares:
        return None
    supported = [level for level, share in shares.items() if share >= PASS_SHARE]
    return max(supported, default=0)


def calibrated_level(self_level: int | None, evidence: int | None) -> int:
    """The self-rating capped one level above the evidence (see the module's rules)."""
    if self_level is None:
        return evidence if evidence is not None else 0
    if evidence is None:
        return self_level
    return min(self_level, evidence + 1)


def confidence(self_level: int | None, evidence: int | None) -> str:
    """"over" or "under" when self-rating and evidence differ by two levels or more, else "ok"."""
    if self_level is None or evidence is None:
        return OK
    if self_level - evidence >= 2:
        return OVER
    if evidence - self_level >= 2:
        return UNDER
    return OK


def gap(target: int | None, calibrated: int) -> int | None:
    """How far the calibrated level is below the target, never below zero; None without a target."""
    if target is None:
        return None
    return max(0, target - calibrated)


def score_competency(competency_id: int, self_level: int | None, checks: Iterable[Check],
                     target: int | None) -> CompetencyScore:
    """Every figure of one competency's result."""
    checks = list(checks)
    shares = evidence_shares(checks)
    supported = evidence_level(shares)
    calibrated = calibrated_level(self_level, supported)
    return CompetencyScore(
        competency_id=competency_id,
        self_level=self_level,
        evidence=shares,
        knowledge_correct=sum(check.correct for check in checks),
        knowledge_total=len(checks),
        evidence_level=supported,
        calibrated_level=calibrated,
        confidence=confidence(self_level, supported),
        target_level=target,
        gap=gap(target, calibrated),
    )


def score_answers(items: Iterable[Item], answers: Mapping[int, Any],
                  targets: Mapping[int, int]) -> list[CompetencyScore]:
    """Scores for every competency that has a self-rating or knowledge item among ``items``.

    ``answers`` maps item id to the value given; ``targets`` maps competency id to the role's target.
    Competencies are returned in the order their first item appears.
    """
    self_levels: dict[int, int | None] = {}
    checks: dict[int, list[Check]] = {}
    for item in items:
        if item.competency_id is None or item.kind not in (ItemKind.SELF_RATING, ItemKind.KNOWLEDGE):
            continue
        self_levels.setdefault(item.competency_id, None)
        checks.setdefault(item.competency_id, [])
        value = answers.get(item.id)
        if item.kind == ItemKind.SELF_RATING:
            if value is not None:
                self_levels[item.competency_id] = int(value)
        elif item.level is not None:
            checks[item.competency_id].append(
                Check(level=item.level, correct=value is not None and value == item.key)
            )
    return [score_competency(cid, self_levels[cid], checks[cid], targets.get(cid)) for cid in self_levels]


def store_results(session: Session, attempt: Attempt) -> list[CompetencyResult]:
    """Score ``attempt`` and add one CompetencyResult per competency (the caller commits).

    Called once per attempt, by whoever submitted it (app.services.attempts.submit).
    """
    items = session.scalars(
        select(Item).where(Item.instrument_id == attempt.instrument_id).order_by(Item.position)
    ).all()
    answers = dict(session.execute(
        select(Answer.item_id, Answer.value).where(Answer.attempt_id == attempt.id)
    ).all())
    targets: dict[int, int] = {}
    if attempt.role_profile_id is not None:
        targets = dict(session.execute(
            select(RoleTarget.competency_id, RoleTarget.level)
            .where(RoleTarget.role_profile_id == attempt.role_profile_id)
        ).all())
    results = [
        CompetencyResult(
            attempt_id=attempt.id,
            competency_id=score.competency_id,
            self_level=score.self_level,
            evidence={str(level): share for level, share in score.evidence.items()},
            knowledge_correct=score.knowledge_correct,
            knowledge_total=score.knowledge_total,
            evidence_level=score.evidence_level,
            calibrated_level=score.calibrated_level,
            confidence=score.confidence,
            target_level=score.target_level,
            gap=score.gap,
        )
        for score in score_answers(items, answers, targets)
    ]
    session.add_all(results)
    return results
