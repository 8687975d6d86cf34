"""Learning plans: an official's latest results matched to the published catalogue, and kept up to date.

``refresh_plan`` builds or refreshes one official's plan; ``build_campaign_plans`` does every official of a
campaign in batch. Both read the same data the same way (a handful of queries whatever the number of
officials or resources) and persist through the same reconciliation, which keeps what the official did:

- items they accepted or dismissed keep their status and dismissal reason;
- items with progress (started or completed) and paths they enrolled in stay;
- the items kept keep their relative order (the official's reordering);
- new recommendations are added after them, in the matcher's order;
- untouched suggestions that are no longer recommended are removed.

The rules of matching itself are in app/services/matching.py; what the catalogue offers it (published
resources, paths and their alternatives, without retired resources) in app/services/plan_catalogue.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Answer,
    Attempt,
    AttemptStatus,
    Competency,
    CompetencyResult,
    Enrolment,
    Item,
    LearningPlan,
    PlanItem,
    Progress,
    Resource,
    RoleProfile,
    User,
)
from app.models.base import utcnow
from app.services import matching
from app.services.assessment.latest import latest_submitted_attempts
from app.services.errors import NotFound
from app.services.plan_catalogue import PUBLISHED as PUBLISHED  # re-exported: plans.PUBLISHED
from app.services.plan_catalogue import Catalogue, load_catalogue

# The context items of the individual instrument (assessments/instruments/tna-individual.yaml).
LANGUAGES_ITEM, FORMATS_ITEM, HOURS_ITEM = "ctx-languages", "ctx-formats", "ctx-hours"
# A number of hours for each answer to "how many hours a week could you spend on learning?"
HOURS_PER_WEEK = {"lt1": 0.5, "1-2": 1.5, "3-5": 4.0, "gt5": 6.0}
DEFAULT_LANGUAGES = ("en",)
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")  # BCP 47, enough to tell "other" apart

TOUCHED_PROGRESS = ("started", "completed")


# What matching needs -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Profile:
    """One official as matching sees them, from their latest submitted attempt."""

    user_id: int
    country_id: int | None
    attempt_id: int
    official: matching.Official
    gaps: tuple[matching.Gap, ...]  # keyed by competency id (as a string): codes repeat across frameworks
    codes: dict[str, str]  # competency key -> competency code
    languages_assumed: bool  # they did not say which languages they learn in

    @property
    def hours_per_week(self) -> float | None:
        return self.official.hours_per_week


# Officials ----------------------------------------------------------------------------------------

def _latest_attempts(users: Select[Any]):
    """For each user in ``users`` (a select of user ids), their latest submitted attempt."""
    return latest_submitted_attempts(Attempt.user_id.in_(users)).subquery("latest")


def _frame(session: Session, stmt: Select[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records([tuple(row) for row in session.execute(stmt)], columns=columns)


def load_results(session: Session, users: Select[Any]) -> pd.DataFrame:
    """Every gap of the latest submitted attempt of each user in ``users``, in one query.

    A competency that was not assessed has no level and so no gap: it is never a row here.
    """
    latest = _latest_attempts(users)
    return _frame(session, (
        select(latest.c.user_id, CompetencyResult.competency_id, Competency.code, Competency.name,
               CompetencyResult.calibrated_level, CompetencyResult.target_level)
        .join(CompetencyResult, CompetencyResult.attempt_id == latest.c.attempt_id)
        .join(Competency, Competency.id == CompetencyResult.competency_id)
        .where(CompetencyResult.calibrated_level.is_not(None),
               CompetencyResult.target_level.is_not(None),
               CompetencyResult.target_level > CompetencyResult.calibrated_level)
        .order_by(latest.c.user_id, Competency.code, Competency.id)
    ), ["user_id", "competency_id", "code", "name", "current", "target"])


def load_profiles(session: Session, users: Select[Any],
                  results: pd.DataFrame | None = None) -> dict[int, Profile]:
    """Profiles of the users in ``users`` that have a submitted attempt, in four queries."""
    latest = _latest_attempts(users)
    people = session.execute(
        select(latest.c.user_id, latest.c.attempt_id, User.country_id, User.locale, RoleProfile.code)
        .join(User, User.id == latest.c.user_id)
        .outerjoin(RoleProfile, RoleProfile.id == latest.c.role_profile_id)
    ).all()
    answers: dict[int, dict[str, Any]] = {}
    for user_id, code, value in session.execute(
        select(latest.c.user_id, Item.code, Answer.value)
        .join(Answer, Answer.attempt_id == latest.c.attempt_id)
        .join(Item, Item.id == Answer.item_id)
        .where(Item.code.in_((LANGUAGES_ITEM, FORMATS_ITEM, HOURS_ITEM)))
    ):
        answers.setdefault(user_id, {})[code] = value
    completed: dict[int, set[str]] = {}
    for user_id, code in session.execute(
        select(Progress.user_id, Resource.code).join(Resource, Resource.id == Progress.resource_id)
        .where(Progress.user_id.in_(users), Progress.status == "completed")
    ):
        completed.setdefault(user_id, set()).add(code)
    if results is None:
        results = load_results(session, users)
    gaps: dict[int, list[matching.Gap]] = {}
    codes: dict[int, dict[str, str]] = {}
    for row in results.itertuples(index=False):
        key = str(row.competency_id)
        gaps.setdefault(int(row.user_id), []).append(matching.Gap(key, row.name, int(row.current),
                                                             int(row.target)))
        codes.setdefault(int(row.user_id), {})[key] = row.code

    profiles = {}
    for user_id, attempt_id, country_id, locale, role_code in people:
        given = answers.get(user_id, {})
        languages = languages_from_answer(given.get(LANGUAGES_ITEM))
        assumed = not languages
        if assumed:
            languages = (locale,) if locale and _LANGUAGE_TAG.match(locale) else DEFAULT_LANGUAGES
        formats = given.get(FORMATS_ITEM)
        official = matching.Official(
            role_profile=role_code, languages=languages,
            preferred_formats=tuple(f for f in formats if isinstance(f, str))
            if isinstance(formats, list) else (),
            hours_per_week=HOURS_PER_WEEK.get(given.get(HOURS_ITEM)) if isinstance(
                given.get(HOURS_ITEM), str) else None,
            completed=frozenset(completed.get(user_id, ())))
        profiles[user_id] = Profile(user_id, country_id, attempt_id, official,
                                    tuple(gaps.get(user_id, ())), codes.get(user_id, {}), assumed)
    return profiles


def languages_from_answer(value: Any) -> tuple[str, ...]:
    """The BCP 47 codes among an answer to ctx-languages, in the order ticked (first ticked, first
    preference), without "other" or repeats."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    found: list[str] = []
    for code in value:
        if isinstance(code, str) and _LANGUAGE_TAG.match(code) and code not in found:
            found.append(code)
    return tuple(found)


def assessment_coverage(session: Session, attempt_id: int) -> tuple[list[str], int]:
    """The names of the competencies ``attempt_id`` did not assess (too few answers), in the
    framework's order, and how many it did assess."""
    rows = session.execute(
        select(Competency.name, CompetencyResult.calibrated_level.is_(None))
        .join(Competency, Competency.id == CompetencyResult.competency_id)
        .where(CompetencyResult.attempt_id == attempt_id)
        .order_by(Competency.position, Competency.id)).all()
    return [name for name, missing in rows if missing], sum(1 for _name, missing in rows if not missing)


def _only(user: User) -> Select[Any]:
    return select(User.id).where(User.id == user.id)


def official_profile(session: Session, user: User) -> Profile | None:
    """``user`` as matching sees them, or None when they have no submitted assessment yet."""
    return load_profiles(session, _only(user)).get(user.id)


def _activity(session: Session, users: Select[Any]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
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
    """The matcher's plan for ``profile``; ``resources`` narrows the candidates (the batch prefilter)."""
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
    progressed, enrolled = _activity(session, _only(user))
    recommendations = recommend(profile, catalogue, enrolled.get(user.id, ()))
    change = _apply(session, plan, profile, recommendations, catalogue, progressed.get(user.id, set()),
                    enrolled.get(user.id, set()))
    session.flush()
    return change.plan


# A whole campaign -----------------------------------------------------------------------------------

@dataclass
class BatchReport:
    campaign_id: int
    officials: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    items_added: int = 0
    items_removed: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    changes: list[PlanChange] = field(default_factory=list)

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        return (f"{self.officials} officials: {self.created} plans {verb} created, {self.updated} "
                f"updated, {self.unchanged} unchanged; {self.items_added} items added, "
                f"{self.items_removed} removed; {self.seconds:.2f} s")


def candidate_codes(results: pd.DataFrame, catalogue: Catalogue) -> dict[int, list[str]]:
    """Per user, the resources that can serve one of their gaps at some point of the plan, vectorised.

    A resource serves a gap when ``level_from <= current < level_to``; as a plan raises ``current`` step
    by step up to the target, every resource whose level range meets ``[current, target)`` may come to
    serve it, so those are kept (a narrower filter would change the plans). Their prerequisites are
    added, since the matcher puts them first.
    """
    if results.empty or catalogue.teaches.empty:
        return {}
    pairs = results[["user_id", "competency_id", "current", "target"]].merge(
        catalogue.teaches, on="competency_id", how="inner")
    serving = pairs.loc[(pairs["level_from"].to_numpy() < pairs["target"].to_numpy())
                        & (pairs["level_to"].to_numpy() > pairs["current"].to_numpy()),
                        ["user_id", "code"]].drop_duplicates()
    candidates: dict[int, list[str]] = {}
    for user_id, codes in serving.groupby("user_id", sort=False)["code"]:
        wanted = set(codes)
        for code in list(wanted):
            wanted.update(catalogue.prerequisites.get(code, ()))
        candidates[int(user_id)] = sorted(wanted)
    return candidates


def campaign_officials(campaign_id: int) -> Select[Any]:
    """The users with a submitted attempt in the campaign."""
    return select(Attempt.user_id).where(Attempt.campaign_id == campaign_id,
                                         Attempt.status == AttemptStatus.SUBMITTED)


@dataclass
class CampaignData:
    """Everything the batch needs, loaded in a fixed number of queries."""

    catalogue: Catalogue
    results: pd.DataFrame
    profiles: dict[int, Profile]
    progressed: dict[int, set[int]]
    enrolled: dict[int, set[int]]


def load_campaign(session: Session, campaign_id: int) -> CampaignData:
    users = campaign_officials(campaign_id)
    results = load_results(session, users)
    progressed, enrolled = _activity(session, users)
    return CampaignData(load_catalogue(session), results, load_profiles(session, users, results),
                        progressed, enrolled)


def match_campaign(data: CampaignData, *, prefilter: bool = True
                   ) -> dict[int, list[matching.Recommendation]]:
    """Every official's recommendations. Without ``prefilter`` each official is matched against the
    whole catalogue, as ``refresh_plan`` does; with it, only against what ``candidate_codes`` keeps."""
    candidates = candidate_codes(data.results, data.catalogue) if prefilter else {}
    plans = {}
    for user_id in sorted(data.profiles):
        resources = None
        if prefilter:
            resources = [data.catalogue.by_code[code] for code in candidates.get(user_id, ())]
        plans[user_id] = recommend(data.profiles[user_id], data.catalogue,
                                   data.enrolled.get(user_id, ()), resources)
    return plans


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
                         prefilter: bool = True, chunk_size: int = 250,
                         progress: Callable[[int, int], None] | None = None) -> BatchReport:
    """Build or refresh the plan of every official with a submitted attempt in the campaign.

    Commits one transaction per ``chunk_size`` officials (nothing in a dry run, which only reports
    what would change). Raises NotFound for an unknown campaign.
    """
    from app.models import Campaign

    if session.get(Campaign, campaign_id) is None:
        raise NotFound(f"no campaign with id {campaign_id}")
    started = time.perf_counter()
    report = BatchReport(campaign_id, dry_run=dry_run)
    data = load_campaign(session, campaign_id)
    recommendations = match_campaign(data, prefilter=prefilter)
    user_ids = sorted(data.profiles)
    report.officials = len(user_ids)
    if progress:
        progress(0, len(user_ids))
    for start in range(0, len(user_ids), chunk_size):
        chunk = user_ids[start:start + chunk_size]
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
            report.changes.append(change)
            report.created += change.created
            report.updated += change.changed and not change.created
            report.unchanged += not change.changed
            report.items_added += change.added
            report.items_removed += change.removed
        if new_plans:
            _insert_plans(session, [data.profiles[u] for u in new_plans], recommendations, data.catalogue)
        if not dry_run:
            session.commit()
        if progress:
            progress(min(start + chunk_size, len(user_ids)), len(user_ids))
    report.seconds = time.perf_counter() - started
    return report
