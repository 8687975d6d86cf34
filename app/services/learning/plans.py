"""Learning plans: an official's latest results matched to the published catalogue, and kept up to date.

``refresh_plan`` builds or refreshes one official's plan; ``build_campaign_plans`` does every official of a
campaign in batch. Both read the same data the same way (a handful of queries whatever the number of
officials or resources) and persist through the same reconciliation, which keeps what the official did:

- items they accepted or dismissed keep their status and dismissal reason;
- items with progress (started or completed) and paths they enrolled in stay;
- the items kept keep their relative order (the official's reordering);
- new recommendations are added after them, in the matcher's order;
- untouched suggestions that are no longer recommended are removed.

The rules of matching itself are in app/services/matching.py, the shortlists a campaign is matched
against in app/services/shortlists.py; what the catalogue offers it (published resources, paths and their
alternatives, without retired resources) in app/services/plan_catalogue.py, and who the officials are
(gaps and context answers) in app/services/plan_profiles.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Attempt,
    AttemptStatus,
    Enrolment,
    LearningPlan,
    PlanItem,
    Progress,
    User,
)
from app.models.base import utcnow
from app.services.errors import NotFound
from app.services.learning import matching, shortlists
from app.services.learning.plan_catalogue import PUBLISHED as PUBLISHED  # re-exported: plans.PUBLISHED
from app.services.learning.plan_catalogue import Catalogue, load_catalogue
from app.services.learning.profiles import (  # re-exported: what callers of plans know an official by
    DEFAULT_LANGUAGES as DEFAULT_LANGUAGES,
)
from app.services.learning.profiles import FORMATS_ITEM as FORMATS_ITEM
from app.services.learning.profiles import HOURS_ITEM as HOURS_ITEM
from app.services.learning.profiles import HOURS_PER_WEEK as HOURS_PER_WEEK
from app.services.learning.profiles import LANGUAGES_ITEM as LANGUAGES_ITEM
from app.services.learning.profiles import Profile as Profile
from app.services.learning.profiles import assessment_coverage as assessment_coverage
from app.services.learning.profiles import languages_from_answer as languages_from_answer
from app.services.learning.profiles import load_profiles as load_profiles
from app.services.learning.profiles import load_results as load_results
from app.services.learning.profiles import official_profile as official_profile
from app.services.learning.profiles import only

TOUCHED_PROGRESS = ("started", "completed")


def activity(session: Session, users: Select[Any]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Per user: the resources they started or completed, and the path versions they enrolled in."""
    progressed: dict[int, set[int]] = {}
    for user_id, resource_id in session.execute(
        select(Progress.user_id, Progress.resource_id)
        .where(Progress.user_id.in_(users), Progress.status.in_(TOUCHED_PROGRESS))
    ):
        progressed.setdefault(user_id, set()).add(resource_id)
    enrolled: dict[int, set[int]] = {}
    for user_id, version_id in session.execute(
        select(Enrolment.user_id, Enrolment.path_version_id).where(Enrolment.user_id.in_(users))
    ):
        enrolled.setdefault(user_id, set()).add(version_id)
    return progressed, enrolled


# Matching and keeping -----------------------------------------------------------------------------

def recommend(profile: Profile, catalogue: Catalogue, enrolled: Iterable[int] = (),
              resources: list[matching.Resource] | None = None) -> list[matching.Recommendation]:
    """The matcher's plan for ``profile`` against the whole catalogue (or ``resources``)."""
    return matching.build_plan(profile.official, profile.gaps,
                               catalogue.resources if resources is None else resources,
                               catalogue.paths_for(enrolled))


def _closes_json(profile: Profile, closes: Iterable[matching.Closes]) -> list[dict]:
    return [{"competency": profile.codes.get(c.competency, c.competency), "competency_id": int(c.competency),
             "name": c.name, "level_from": c.level_from, "level_to": c.level_to} for c in closes]


def _unmet_json(profile: Profile, plan: list[matching.Recommendation]) -> list[dict]:
    unmet = sorted(matching.unmet_gaps(profile.gaps, plan), key=lambda g: (-g.size, g.name))
    return [{"competency": profile.codes.get(g.competency, g.competency), "competency_id": int(g.competency),
             "name": g.name, "current": g.current, "target": g.target} for g in unmet]


@dataclass
class PlanChange:
    """What refreshing one official's plan does (or would do, in a dry run)."""

    user_id: int
    created: bool = False
    added: int = 0
    removed: int = 0
    kept: int = 0
    plan: LearningPlan | None = None

    @property
    def changed(self) -> bool:
        return self.created or bool(self.added or self.removed)


def _key(kind: str, ref: int | None) -> tuple[str, int | None]:
    return kind, ref


def _apply(session: Session, plan: LearningPlan | None, profile: Profile,
           recommendations: list[matching.Recommendation], catalogue: Catalogue,
           progressed: set[int], enrolled: set[int], *, dry_run: bool = False) -> PlanChange:
    """Reconcile ``plan`` (or a new one) with ``recommendations``; see the module docstring."""
    change = PlanChange(profile.user_id, created=plan is None, plan=plan)
    fresh: dict[tuple[str, int | None], tuple[int, matching.Recommendation]] = {}
    for rank, rec in enumerate(recommendations):
        ref = catalogue.resource_ids[rec.ref] if rec.kind == "resource" else int(rec.ref)
        fresh[_key(rec.kind, ref)] = (rank, rec)

    kept: list[PlanItem] = []
    removed: list[PlanItem] = []
    for item in sorted(plan.items, key=lambda i: i.position) if plan is not None else []:
        key = _key(item.kind, item.resource_id if item.kind == "resource" else item.path_version_id)
        touched = (item.status in ("accepted", "dismissed")
                   or (item.kind == "resource" and item.resource_id in progressed)
                   or (item.kind == "path" and item.path_version_id in enrolled))
        if key in fresh:
            rank, rec = fresh.pop(key)
            if not dry_run:
                item.rank, item.reason, item.closes = rank, rec.reason, _closes_json(profile, rec.closes)
            kept.append(item)
        elif touched:
            kept.append(item)
        else:
            removed.append(item)
    change.kept, change.removed, change.added = len(kept), len(removed), len(fresh)
    if dry_run:
        return change

    if plan is None:
        plan = change.plan = LearningPlan(user_id=profile.user_id)
        session.add(plan)
    for item in removed:
        plan.items.remove(item)  # delete-orphan
    for rank, rec in sorted(fresh.values(), key=lambda entry: entry[0]):
        ref = catalogue.resource_ids[rec.ref] if rec.kind == "resource" else int(rec.ref)
        item = PlanItem(kind=rec.kind, rank=rank, position=0, reason=rec.reason,
                        closes=_closes_json(profile, rec.closes),
                        resource_id=ref if rec.kind == "resource" else None,
                        path_version_id=ref if rec.kind == "path" else None)
        plan.items.append(item)
        kept.append(item)
    for position, item in enumerate(kept):
        item.position = position
    plan.items.sort(key=lambda i: i.position)  # same members, in the official's order
    plan.country_id = profile.country_id
    plan.attempt_id = profile.attempt_id
    plan.built_at = utcnow()
    plan.unmet = _unmet_json(profile, recommendations)
    return change


def refresh_plan(session: Session, user: User, catalogue: Catalogue | None = None) -> LearningPlan | None:
    """Build or refresh ``user``'s plan from their latest submitted attempt; safe to call at any time.

    Returns the plan, or None when the user has no submitted assessment yet (nothing is written then).
    Adds to the session; the caller commits.
    """
    profile = official_profile(session, user)
    plan = session.scalar(select(LearningPlan).where(LearningPlan.user_id == user.id)
                          .options(selectinload(LearningPlan.items)))
    if profile is None:
        return plan
    catalogue = catalogue or load_catalogue(session)
    progressed, enrolled = activity(session, only(user))
    recommendations = recommend(profile, catalogue, enrolled.get(user.id, ()))
    change = _apply(session, plan, profile, recommendations, catalogue, progressed.get(user.id, set()),
                    enrolled.get(user.id, set()))
    session.flush()
    return change.plan


# A whole campaign -----------------------------------------------------------------------------------

@dataclass(kw_only=True)
class PlanCounts:
    """What reconciling the plans of some officials did (``build_chunk`` counts into it)."""

    officials: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    items_added: int = 0
    items_removed: int = 0
    seconds: float = 0.0
    changes: list[PlanChange] = field(default_factory=list)


@dataclass
class BatchReport(PlanCounts):
    campaign_id: int
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        return (f"{self.officials} officials: {self.created} plans {verb} created, {self.updated} "
                f"updated, {self.unchanged} unchanged; {self.items_added} items added, "
                f"{self.items_removed} removed; {self.seconds:.2f} s")


def campaign_officials(campaign_id: int) -> Select[Any]:
    """The users with a submitted attempt in the campaign."""
    return select(Attempt.user_id).where(Attempt.campaign_id == campaign_id,
                                         Attempt.status == AttemptStatus.SUBMITTED)


@dataclass
class CampaignData:
    """Everything the batch needs, loaded in a fixed number of queries."""

    catalogue: Catalogue
    profiles: dict[int, Profile]
    progressed: dict[int, set[int]]
    enrolled: dict[int, set[int]]
    scorer: shortlists.Scorer


def load_campaign(session: Session, campaign_id: int) -> CampaignData:
    users = campaign_officials(campaign_id)
    progressed, enrolled = activity(session, users)
    catalogue = load_catalogue(session)
    return CampaignData(catalogue, load_profiles(session, users), progressed, enrolled,
                        shortlists.Scorer(catalogue.resources))


def match_officials(data: CampaignData, user_ids: list[int], *, top_k: int | None = shortlists.DEFAULT_K
                    ) -> dict[int, list[matching.Recommendation]]:
    """The recommendations of ``user_ids``, each matched against their shortlist of ``top_k``
    candidates (the same plans as against the whole catalogue, see app/services/shortlists.py);
    with ``top_k=0``, against the whole catalogue one by one, as ``refresh_plan`` does."""
    profiles = [data.profiles[user_id] for user_id in user_ids]
    if top_k == 0:
        return {p.user_id: recommend(p, data.catalogue, data.enrolled.get(p.user_id, ())) for p in profiles}
    found = shortlists.plans(data.scorer, [(p.official, p.gaps) for p in profiles],
                             [data.catalogue.paths_for(data.enrolled.get(p.user_id, ())) for p in profiles],
                             top_k)
    return {p.user_id: plan for p, plan in zip(profiles, found, strict=True)}


def match_campaign(data: CampaignData, *, top_k: int | None = shortlists.DEFAULT_K
                   ) -> dict[int, list[matching.Recommendation]]:
    """Every official's recommendations (see ``match_officials``)."""
    return match_officials(data, sorted(data.profiles), top_k=top_k)


def _insert_plans(session: Session, profiles: list[Profile],
                  recommendations: dict[int, list[matching.Recommendation]], catalogue: Catalogue) -> None:
    """New plans in two multi-row inserts, as ``_apply`` would write them for an official without one."""
    now = utcnow()
    session.execute(insert(LearningPlan), [
        {"user_id": p.user_id, "country_id": p.country_id, "attempt_id": p.attempt_id, "built_at": now,
         "unmet": _unmet_json(p, recommendations[p.user_id])} for p in profiles])
    plan_ids = dict(session.execute(select(LearningPlan.user_id, LearningPlan.id).where(
        LearningPlan.user_id.in_([p.user_id for p in profiles]))).all())
    rows = []
    for profile in profiles:
        for rank, rec in enumerate(recommendations[profile.user_id]):
            ref = catalogue.resource_ids[rec.ref] if rec.kind == "resource" else int(rec.ref)
            rows.append({"plan_id": plan_ids[profile.user_id], "kind": rec.kind, "rank": rank,
                         "position": rank, "reason": rec.reason, "closes": _closes_json(profile, rec.closes),
                         "resource_id": ref if rec.kind == "resource" else None,
                         "path_version_id": ref if rec.kind == "path" else None,
                         "status": "suggested", "dismiss_reason": "", "created_at": now})
    if rows:
        session.execute(insert(PlanItem), rows)


def build_campaign_plans(session: Session, campaign_id: int, *, dry_run: bool = False,
                         top_k: int | None = shortlists.DEFAULT_K, chunk_size: int = 250,
                         progress: Callable[[int, int], None] | None = None) -> BatchReport:
    """Build or refresh the plan of every official with a submitted attempt in the campaign.

    Matches and writes ``chunk_size`` officials at a time, one transaction each (nothing in a dry run,
    which only reports what would change). Raises NotFound for an unknown campaign.
    """
    from app.models import Campaign

    if session.get(Campaign, campaign_id) is None:
        raise NotFound(f"no campaign with id {campaign_id}")
    started = time.perf_counter()
    report = BatchReport(campaign_id, dry_run=dry_run)
    if progress:  # the bar from the start: loading a national campaign takes seconds
        progress(0, session.scalar(select(func.count(func.distinct(Attempt.user_id)))
                                   .where(Attempt.campaign_id == campaign_id,
                                          Attempt.status == AttemptStatus.SUBMITTED)))
    data = load_campaign(session, campaign_id)
    user_ids = sorted(data.profiles)
    report.officials = len(user_ids)
    for start in range(0, len(user_ids), chunk_size):
        chunk = user_ids[start:start + chunk_size]
        build_chunk(session, data, chunk, match_officials(data, chunk, top_k=top_k), report, dry_run)
        if not dry_run:
            session.commit()
        if progress:
            progress(min(start + chunk_size, len(user_ids)), len(user_ids))
    report.seconds = time.perf_counter() - started
    return report


def build_chunk(session: Session, data: CampaignData, chunk: list[int],
                recommendations: dict[int, list[matching.Recommendation]], report: BatchReport,
                dry_run: bool) -> None:
    """Reconcile (or write anew) the plans of the officials in ``chunk``, counting into ``report``."""
    existing = {plan.user_id: plan for plan in session.scalars(
        select(LearningPlan).where(LearningPlan.user_id.in_(chunk))
        .options(selectinload(LearningPlan.items)))}
    new_plans: list[int] = []
    for user_id in chunk:
        plan = existing.get(user_id)
        if plan is None and not dry_run:
            new_plans.append(user_id)  # written in bulk below
            change = PlanChange(user_id, created=True, added=len(recommendations[user_id]))
        else:
            change = _apply(session, plan, data.profiles[user_id], recommendations[user_id],
                            data.catalogue, data.progressed.get(user_id, set()),
                            data.enrolled.get(user_id, set()), dry_run=dry_run)
        change.plan = None  # the report keeps counts, not every official's plan in memory
        report.changes.append(change)
        report.created += change.created
        report.updated += change.changed and not change.created
        report.unchanged += not change.changed
        report.items_added += change.added
        report.items_removed += change.removed
    if new_plans:
        _insert_plans(session, [data.profiles[u] for u in new_plans], recommendations, data.catalogue)
