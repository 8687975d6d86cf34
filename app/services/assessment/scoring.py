"""Scoring a submitted attempt: per competency, whether it is assessed at all, the estimated level with
how sure it is, the confidence flag and the gap to the role's target. Rule version 2.

The rules, in the words the help page uses ("How your results are worked out"):

- **Not assessed**: a competency needs the campaign's minimum evidence (by default its self-rating and
  at least two answered knowledge checks; when the form offers fewer checks, all of them). Below that it
  is *not assessed*: it has no level and no gap — never level 0 — and is left out of plans, means, pairs
  and statistics, and counted apart wherever figures are shown.
- **An unanswered knowledge check is no evidence**, not a wrong answer: it changes nothing.
- **Estimated level**: the most probable level of the measurement model (app.services.assessment.estimate),
  which weighs the self-rating and every answered check; with how sure it is and an interval.
- **Knowledge evidence**: the level the checks alone point to (the same model without the self-rating).
- **Confidence**: "over" when the self-rating is two or more levels above the knowledge evidence,
  "under" when two or more below, otherwise "ok" (and "ok" when either is missing).
- **Gap**: ``max(0, target - level)`` when the role sets a target and the competency is assessed; none
  otherwise. A level above the target is a strength, not a negative gap.

Everything but ``store_results`` is a pure function.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.services.assessment import estimate
from app.services.assessment.estimate import Check

RULE_VERSION = 2
OVER, UNDER, OK = "over", "under", "ok"
SELF_DECLARED, ASSESSED, NOT_ASSESSED = "self_declared", "assessed", "not_assessed"
LEVELS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class Minimum:
    """The least evidence for a competency to be assessed (a campaign's setting)."""

    checks: int = 2
    self_rating: bool = True


@dataclass(frozen=True)
class ScoredItem:
    """What scoring needs of one item: plain values, so results can be recomputed from stored rows."""

    id: int
    kind: str
    competency_id: int | None
    level: int | None = None
    key: str | None = None
    options: int = 0


@dataclass(frozen=True)
class CompetencyScore:
    competency_id: int
    self_level: int | None
    source: str = NOT_ASSESSED
    evidence: dict[int, float] = field(default_factory=dict)  # level -> share right of answered checks
    knowledge_correct: int = 0
    knowledge_total: int = 0  # answered
    knowledge_offered: int = 0
    evidence_level: int | None = None
    level: int | None = None
    probabilities: list[float] | None = None
    probability: float | None = None
    interval: tuple[int, int] | None = None
    confidence: str = OK
    target_level: int | None = None
    gap: int | None = None

    @property
    def assessed(self) -> bool:
        return self.level is not None


def is_right(key: str | None, value: Any) -> bool:
    """The one definition of a knowledge check answered right: the chosen option is the key."""
    return value is not None and key is not None and str(value) == str(key)


def is_assessed(self_level: int | None, answered: int, offered: int, minimum: Minimum) -> bool:
    """Whether a competency has the minimum evidence (see the module's rules)."""
    if self_level is None and answered == 0:
        return False
    if minimum.self_rating and self_level is None:
        return False
    return answered >= min(minimum.checks, offered)


def confidence(self_level: int | None, evidence: int | None) -> str:
    """"over" or "under" when self-rating and knowledge evidence differ by two levels or more."""
    if self_level is None or evidence is None:
        return OK
    if self_level - evidence >= 2:
        return OVER
    if evidence - self_level >= 2:
        return UNDER
    return OK


def gap(target: int | None, level: int | None) -> int | None:
    """How far ``level`` is below the target, never below zero; None without a target or a level."""
    if target is None or level is None:
        return None
    return max(0, target - level)


def evidence_shares(checks: Iterable[Check]) -> dict[int, float]:
    """The share of answered checks right at each level that has any."""
    right: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)
    for check in checks:
        total[check.level] += 1
        right[check.level] += check.correct
    return {level: right[level] / total[level] for level in sorted(total)}


def score_competency(competency_id: int, self_level: int | None, checks: Sequence[Check], offered: int,
                     target: int | None, minimum: Minimum = Minimum(),
                     levels: Sequence[int] = LEVELS) -> CompetencyScore:
    """Every figure of one competency's result; ``checks`` are the answered ones, of ``offered``."""
    evidence_level = None
    if checks:
        evidence_level = levels[estimate.most_probable(estimate.posterior(levels, None, checks))]
    base = dict(competency_id=competency_id, self_level=self_level, evidence=evidence_shares(checks),
                knowledge_correct=sum(check.correct for check in checks), knowledge_total=len(checks),
                knowledge_offered=offered, evidence_level=evidence_level,
                confidence=confidence(self_level, evidence_level), target_level=target)
    if not is_assessed(self_level, len(checks), offered, minimum):
        return CompetencyScore(**base, source=NOT_ASSESSED)
    probabilities = estimate.posterior(levels, self_level, checks)
    best = estimate.most_probable(probabilities)
    low, high = estimate.interval(probabilities)
    return CompetencyScore(
        **base, source=ASSESSED if checks else SELF_DECLARED, level=levels[best],
        probabilities=[round(p, 6) for p in probabilities], probability=round(probabilities[best], 6),
        interval=(levels[low], levels[high]), gap=gap(target, levels[best]),
    )


def score_answers(items: Iterable[ScoredItem], answers: Mapping[int, Any], targets: Mapping[int, int],
                  minimum: Minimum = Minimum(), levels: Sequence[int] = LEVELS) -> list[CompetencyScore]:
    """Scores for every competency with a self-rating or knowledge item among ``items`` (the form shown).

    ``answers`` maps item id to the value given; ``targets`` competency id to the role's target.
    Competencies come in the order their first item appears.
    """
    self_levels: dict[int, int | None] = {}
    checks: dict[int, list[Check]] = {}
    offered: dict[int, int] = defaultdict(int)
    for item in items:
        if item.competency_id is None or item.kind not in ("self_rating", "knowledge"):
            continue
        self_levels.setdefault(item.competency_id, None)
        checks.setdefault(item.competency_id, [])
        value = answers.get(item.id)
        if item.kind == "self_rating":
            if value is not None:
                self_levels[item.competency_id] = int(value)
        elif item.level is not None:
            offered[item.competency_id] += 1
            if value is not None:
                checks[item.competency_id].append(
                    Check(item.level, item.options, is_right(item.key, value)))
    return [score_competency(cid, self_levels[cid], checks[cid], offered[cid], targets.get(cid), minimum,
                             levels)
            for cid in self_levels]


def certainty(probability: float | None) -> str:
    """How sure, in words: "sure" (80 % or more), "fairly sure" (60 % or more), "not sure"."""
    if probability is None:
        return ""
    if probability >= 0.8:
        return "sure"
    if probability >= 0.6:
        return "fairly sure"
    return "not sure"
