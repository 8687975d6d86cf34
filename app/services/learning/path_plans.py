"""A newly published path reaches the plans it fits without anyone asking for it.

Publishing a path version adds a background job (app/paths/jobs.py) that calls ``refresh_for_path``:
the plans of the officials it concerns are refreshed as "Refresh my plan" would, so the path appears
in them (or an item it replaces goes) before they next look. The officials it concerns are those who
already have a plan and whose latest gaps include a competency the path teaches, through its steps'
resources or the competencies it is tagged with; officials without a plan get the path when their plan
is first built. Matching and reconciliation are plans' own (what the official accepted, dismissed or
started stays).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Attempt,
    CompetencyResult,
    LearningPlan,
    PathStep,
    PathVersion,
    PathVersionCompetency,
    ResourceCompetency,
    User,
)
from app.services.assessment.latest import latest_submitted_attempts
from app.services.learning import plans, shortlists
from app.services.learning.plan_catalogue import PUBLISHED, load_catalogue
from app.services.learning.profiles import load_profiles


@dataclass
class PathRefresh(plans.PlanCounts):
    """What refreshing the plans a path concerns did."""

    path_version_id: int

    def summary(self) -> str:
        word = "official" if self.officials == 1 else "officials"
        return (f"{self.officials} {word} whose gaps the path fits: {self.updated} plans updated, "
                f"{self.unchanged} unchanged; {self.items_added} items added, {self.items_removed} "
                f"removed; {self.seconds:.2f} s")


def _competencies(session: Session, version: PathVersion) -> set[int]:
    """What the path teaches: its steps' resources' competencies and those it is tagged with."""
    taught = set(session.scalars(
        select(ResourceCompetency.competency_id)
        .join(PathStep, PathStep.resource_id == ResourceCompetency.resource_id)
        .where(PathStep.path_version_id == version.id)))
    taught |= set(session.scalars(select(PathVersionCompetency.competency_id).where(
        PathVersionCompetency.path_version_id == version.id)))
    return taught


def concerned_officials(session: Session, path_version_id: int) -> list[int]:
    """The users with a plan whose latest submitted attempt has a gap the published version teaches;
    nobody for a draft, a superseded or an unknown version."""
    version = session.get(PathVersion, path_version_id)
    if version is None or version.status != PUBLISHED:
        return []
    taught = _competencies(session, version)
    if not taught:
        return []
    latest = latest_submitted_attempts(
        Attempt.user_id.in_(select(LearningPlan.user_id))).subquery("latest")
    return list(session.scalars(
        select(latest.c.user_id).distinct()
        .join(CompetencyResult, CompetencyResult.attempt_id == latest.c.attempt_id)
        .where(CompetencyResult.competency_id.in_(taught),
               CompetencyResult.calibrated_level.is_not(None), CompetencyResult.target_level.is_not(None),
               CompetencyResult.target_level > CompetencyResult.calibrated_level)
        .order_by(latest.c.user_id)))


def refresh_for_path(session: Session, path_version_id: int, *, chunk_size: int = 250,
                     progress: Callable[[int, int], None] | None = None) -> PathRefresh:
    """Refresh the plans of the officials the path concerns, ``chunk_size`` at a time, one
    transaction each (committed here, as plans.build_campaign_plans does)."""
    started = time.perf_counter()
    user_ids = concerned_officials(session, path_version_id)
    report = PathRefresh(path_version_id, officials=len(user_ids))
    if progress:
        progress(0, len(user_ids))
    catalogue = load_catalogue(session) if user_ids else None
    scorer = shortlists.Scorer(catalogue.resources) if catalogue else None
    for start in range(0, len(user_ids), chunk_size):
        chunk = user_ids[start:start + chunk_size]
        users = select(User.id).where(User.id.in_(chunk))
        progressed, enrolled = plans.activity(session, users)
        data = plans.CampaignData(catalogue, load_profiles(session, users), progressed, enrolled, scorer)
        chunk = [user_id for user_id in chunk if user_id in data.profiles]
        plans.build_chunk(session, data, chunk, plans.match_officials(data, chunk), report, dry_run=False)
        session.commit()
        if progress:
            progress(min(start + chunk_size, len(user_ids)), len(user_ids))
    report.seconds = time.perf_counter() - started
    return report
