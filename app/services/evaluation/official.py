"""An official's own evaluation: their calibrated level per competency in each cycle they took part in.

Own data only: every function takes the user whose figures it returns, and reads nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Area,
    Attempt,
    AttemptStatus,
    Campaign,
    Competency,
    CompetencyResult,
    ProficiencyLevel,
    User,
)


@dataclass(frozen=True)
class Cycle:
    """One submitted attempt, named after its campaign."""

    attempt_id: int
    campaign_name: str
    cycle_label: str
    opens_at: datetime
    submitted_at: datetime | None

    @property
    def label(self) -> str:
        return f"{self.cycle_label} ({self.opens_at:%Y-%m})"


@dataclass
class CompetencyTrend:
    code: str
    name: str
    levels: list[int | None]  # one per cycle; None where that cycle has no level for it
    targets: list[int | None]
    # one per cycle: True where the cycle had it but found too little evidence (no level, never 0);
    # a None level that is not "not assessed" is a cycle without this competency
    not_assessed: list[bool] = field(default_factory=list)


@dataclass
class OfficialTrend:
    cycles: list[Cycle] = field(default_factory=list)
    competencies: list[CompetencyTrend] = field(default_factory=list)
    max_level: int = 0  # the top of the scale of the frameworks assessed

    @property
    def empty(self) -> bool:
        return not self.cycles


def official_trend(session: Session, user: User) -> OfficialTrend:
    """``user``'s calibrated level per competency in each of their submitted attempts, oldest campaign
    first (by when it opened), with where it was not assessed. Three queries whatever the number of
    cycles."""
    rows = session.execute(
        select(Attempt.id, Campaign.name, Campaign.cycle_label, Campaign.opens_at, Attempt.submitted_at)
        .join(Campaign, Campaign.id == Attempt.campaign_id)
        .where(Attempt.user_id == user.id, Attempt.status == AttemptStatus.SUBMITTED)
        .order_by(Campaign.opens_at, Attempt.id)).all()
    trend = OfficialTrend(cycles=[Cycle(*row) for row in rows])
    if not trend.cycles:
        return trend
    column = {cycle.attempt_id: index for index, cycle in enumerate(trend.cycles)}
    results = session.execute(
        select(CompetencyResult.attempt_id, CompetencyResult.calibrated_level,
               CompetencyResult.target_level, Competency.id, Competency.code, Competency.name,
               Competency.framework_id)
        .join(Competency, Competency.id == CompetencyResult.competency_id)
        .join(Area, Area.id == Competency.area_id)
        .where(CompetencyResult.attempt_id.in_(column))
        .order_by(Competency.framework_id, Area.position, Competency.position, Competency.id))
    by_competency: dict[int, CompetencyTrend] = {}
    frameworks: set[int] = set()
    for attempt_id, level, target, competency_id, code, name, framework_id in results:
        frameworks.add(framework_id)
        entry = by_competency.get(competency_id)
        if entry is None:
            entry = by_competency[competency_id] = CompetencyTrend(
                code, name, [None] * len(trend.cycles), [None] * len(trend.cycles),
                [False] * len(trend.cycles))
        entry.levels[column[attempt_id]] = level
        entry.targets[column[attempt_id]] = target
        entry.not_assessed[column[attempt_id]] = level is None
    trend.competencies = list(by_competency.values())
    top = session.scalar(select(func.max(ProficiencyLevel.level))
                         .where(ProficiencyLevel.framework_id.in_(frameworks))) if frameworks else None
    known = [level for c in trend.competencies for level in c.levels + c.targets if level is not None]
    trend.max_level = max([top or 0, *known])
    return trend
