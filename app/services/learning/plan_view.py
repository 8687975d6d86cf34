"""An official's learning plan as the page shows it: entries with their progress and the parts of their
reasons, dismissed items apart, gaps no material closes yet, and why the plan is empty when it is.

A path is shown as the official follows it: at a step with alternatives, the one in their language
(the same choice matching made, see ``matching.choose_alternatives``), so its languages and hours are
the ones its reason gives. Competencies the latest assessment could not assess (too few answers) are
listed by name; they have no level, so nothing here ever shows one for them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from app.models import Enrolment, LearningPlan, PathStep, PathVersion, PlanItem, Progress, Resource, User
from app.services.learning import matching, plans

T = TypeVar("T")


@dataclass
class Entry:
    """One item of the plan as the page shows it."""

    item: PlanItem
    title: str
    provider: str
    format: str
    hours: float
    languages: tuple[str, ...]
    url: str = ""
    in_language: str | None = None
    fallback_languages: tuple[str, ...] = ()
    prerequisite_for: str | None = None
    progress: Progress | None = None
    enrolment: Enrolment | None = None
    steps: int = 0  # of a path: the steps to take (a set of alternatives is one step)
    optional_steps: int = 0

    @property
    def done(self) -> bool:
        if self.item.kind == "path":
            return self.enrolment is not None and self.enrolment.completed_at is not None
        return self.progress is not None and self.progress.status == "completed"


def names_text(names: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass
class PlanView:
    has_assessment: bool
    plan: LearningPlan | None = None
    entries: list[Entry] = field(default_factory=list)  # in the official's order
    dismissed: list[Entry] = field(default_factory=list)
    unmet: list[dict] = field(default_factory=list)
    languages: tuple[str, ...] = ()
    languages_assumed: bool = False
    hours_per_week: float | None = None
    not_assessed: list[str] = field(default_factory=list)  # competency names: too few answers
    assessed: int = 0  # how many competencies the latest assessment did assess
    total: int = 0  # entries in the whole plan (``entries`` may be one page of them)
    offset: int = 0  # how many entries come before ``entries``
    hours_left: float = 0.0  # hours of the accepted and suggested items not completed yet

    @property
    def weeks(self) -> int | None:
        if not self.hours_per_week or not self.hours_left:
            return None
        return math.ceil(self.hours_left / self.hours_per_week)

    @property
    def empty_state(self) -> str | None:
        """Why a built plan recommends nothing: "no_material" (gaps, but nothing closes them),
        "not_assessed" (nothing could be assessed), "met_but_not_assessed" (what was assessed meets the
        targets, the rest was not assessed) or "met"; None when it recommends something (or is not built)."""
        if self.plan is None or self.total:
            return None
        if self.unmet:
            return "no_material"
        if self.not_assessed:
            return "not_assessed" if not self.assessed else "met_but_not_assessed"
        return "met"

    @property
    def empty_reason(self) -> str | None:
        """``empty_state`` in words (English; the page says it in the official's language)."""
        state = self.empty_state
        if state is None:
            return None
        names = names_text(self.not_assessed) if self.not_assessed else ""
        were, they = ("was", "it") if len(self.not_assessed) == 1 else ("were", "they")
        if state == "not_assessed":
            return (f"Not enough answers to recommend training: {names} {were} not assessed. Answer the "
                    "knowledge questions in your next assessment to get recommendations.")
        if state == "met_but_not_assessed":
            return ("Your assessed results meet the targets of your role. Not enough answers to recommend "
                    f"training for {names}: {they} {were} not assessed.")
        if state == "no_material":
            return "There is nothing to recommend yet: no material in the catalogue closes your gaps."
        return "There is nothing to recommend: your results meet the targets of your role."


def step_groups(version: PathVersion) -> list[list[PathStep]]:
    """The steps one must take, in order: not optional; a group of alternatives is one step."""
    groups: dict[str, list[PathStep]] = {}
    steps: list[list[PathStep]] = []
    for step in sorted(version.steps, key=lambda s: s.position):
        if step.optional:
            continue
        if step.alternative_group:
            if step.alternative_group in groups:
                groups[step.alternative_group].append(step)
                continue
            groups[step.alternative_group] = [step]
            steps.append(groups[step.alternative_group])
        else:
            steps.append([step])
    return steps


def group_alternatives(steps: list[tuple[PathStep, T]]) -> list[list[tuple[PathStep, T]]]:
    """Steps (each with something of its own, e.g. progress) as the official takes them: a set of
    alternatives is one step, take one of them."""
    groups: list[list[tuple[PathStep, T]]] = []
    where: dict[tuple[bool, str], int] = {}
    for step, extra in steps:
        key = (step.optional, step.alternative_group or "")
        if step.alternative_group and key in where:
            groups[where[key]].append((step, extra))
            continue
        where[key] = len(groups)
        groups.append([(step, extra)])
    return groups


def optional_count(version: PathVersion) -> int:
    """The optional steps of a path (a set of optional alternatives is one)."""
    return len({s.alternative_group or s.id for s in version.steps if s.optional})


def required_steps(version: PathVersion) -> list[PathStep]:
    """The steps one must take: not optional, and one per group of alternatives (the first stands in)."""
    return [group[0] for group in step_groups(version)]


def followed_steps(version: PathVersion, official: matching.Official) -> list[PathStep]:
    """The steps ``official`` takes: at each group of alternatives, the published one in their language
    (as matching chooses it), else the first."""
    groups = [[s for s in group if s.resource.status == plans.PUBLISHED] or group
              for group in step_groups(version)]
    return matching.choose_alternatives(official, groups, lambda s: s.resource.languages)


def _path_languages(steps: list[PathStep]) -> tuple[str, ...]:
    if not steps:
        return ()
    common = set(steps[0].resource.languages)
    for step in steps[1:]:
        common &= set(step.resource.languages)
    return tuple(sorted(common))


def _entry(item: PlanItem, official: matching.Official, progress: dict[int, Progress],
           enrolments: dict[int, Enrolment], needed_before: dict[str, str]) -> Entry | None:
    if item.kind == "path" and item.path_version is not None:
        steps = followed_steps(item.path_version, official)
        entry = Entry(item, item.path_version.title, "", "path", sum(s.resource.hours for s in steps),
                      _path_languages(steps), enrolment=enrolments.get(item.path_version_id),
                      steps=len(steps), optional_steps=optional_count(item.path_version))
    elif item.resource is not None:
        resource = item.resource
        entry = Entry(item, resource.title, resource.provider, resource.format, resource.hours,
                      tuple(resource.languages), url=resource.url, progress=progress.get(resource.id),
                      prerequisite_for=needed_before.get(resource.code))
    else:
        return None
    entry.in_language = matching.shared_language(official, entry.languages)
    entry.fallback_languages = () if entry.in_language else entry.languages
    return entry


def _started(session: Session, user: User) -> tuple[PlanView, matching.Official | None]:
    """The view without its items: the official's languages and hours, the plan, what was not assessed."""
    profile = plans.official_profile(session, user)
    if profile is None:
        return PlanView(has_assessment=False), None
    view = PlanView(has_assessment=True, languages=profile.official.languages,
                    languages_assumed=profile.languages_assumed, hours_per_week=profile.hours_per_week)
    view.plan = session.scalar(select(LearningPlan).where(LearningPlan.user_id == user.id))
    # what the plan was built from (the latest attempt, unless it has not been refreshed since)
    attempt_id = (view.plan.attempt_id if view.plan is not None and view.plan.attempt_id
                  else profile.attempt_id)
    view.not_assessed, view.assessed = plans.assessment_coverage(session, attempt_id)
    if view.plan is not None:
        view.unmet = list(view.plan.unmet)
    return view, profile.official


def _enrolments(session: Session, user: User) -> dict[int, Enrolment]:
    found = session.scalars(select(Enrolment).where(Enrolment.user_id == user.id))
    return {e.path_version_id: e for e in found}


# An item's resource and path version in its own row (many-to-one: a join, no statement of their own);
# a path's steps and their resources in one statement each.
_WITH_MATERIAL = (joinedload(PlanItem.resource), joinedload(PlanItem.path_version)
                  .selectinload(PathVersion.steps).selectinload(PathStep.resource))


def plan_view(session: Session, user: User) -> PlanView:
    """``user``'s whole plan, ready to show: entries with progress, reasons' parts, dismissed items, unmet
    gaps, and the competencies their latest assessment did not assess."""
    view, official = _started(session, user)
    if view.plan is None:
        return view
    items = session.scalars(select(PlanItem).where(PlanItem.plan_id == view.plan.id)
                            .order_by(PlanItem.position, PlanItem.id).options(*_WITH_MATERIAL)).all()
    progress = {p.resource_id: p for p in session.scalars(
        select(Progress).where(Progress.user_id == user.id))}
    enrolments = _enrolments(session, user)
    needed_before: dict[str, str] = {}
    for item in items:
        if item.resource is not None:
            for code in item.resource.prerequisites:
                needed_before.setdefault(code, item.resource.title)
    for item in items:
        entry = _entry(item, official, progress, enrolments, needed_before)
        if entry is not None:
            (view.dismissed if item.status == "dismissed" else view.entries).append(entry)
    view.total = len(view.entries)
    view.hours_left = sum(e.hours for e in view.entries if not e.done)
    return view


# One page of the plan ----------------------------------------------------------------------------------

def _is_path():
    return and_(PlanItem.kind == "path", PlanItem.path_version_id.is_not(None))


def _shown(plan_id: int) -> tuple:
    """The plan's items that are entries (as ``_entry`` makes them): not dismissed, with their material."""
    return (PlanItem.plan_id == plan_id, PlanItem.status != "dismissed",
            or_(_is_path(), PlanItem.resource_id.is_not(None)))


def _hours_left(session: Session, user: User, plan_id: int, official: matching.Official,
                enrolments: dict[int, Enrolment]) -> float:
    """Hours left, the resources summed in SQL; paths (a few per plan) as the official follows them."""
    resources = session.scalar(
        select(func.coalesce(func.sum(Resource.hours), 0.0)).select_from(PlanItem)
        .join(Resource, Resource.id == PlanItem.resource_id)
        .outerjoin(Progress, and_(Progress.resource_id == PlanItem.resource_id, Progress.user_id == user.id))
        .where(*_shown(plan_id), ~_is_path(),
               or_(Progress.status.is_(None), Progress.status != "completed")))
    paths = session.scalars(select(PlanItem).where(*_shown(plan_id), _is_path()).options(
        joinedload(PlanItem.path_version).selectinload(PathVersion.steps).selectinload(PathStep.resource)))
    hours = float(resources or 0)
    for item in paths:
        enrolment = enrolments.get(item.path_version_id)
        if enrolment is None or enrolment.completed_at is None:
            hours += sum(s.resource.hours for s in followed_steps(item.path_version, official))
    return hours


def _needed_before(session: Session, plan_id: int) -> dict[str, str]:
    """Resource code -> the title of the first item of the plan that needs it first (two columns a row)."""
    needed: dict[str, str] = {}
    for title, prerequisites in session.execute(
            select(Resource.title, Resource.prerequisites).join(PlanItem, PlanItem.resource_id == Resource.id)
            .where(PlanItem.plan_id == plan_id).order_by(PlanItem.position, PlanItem.id)):
        for code in prerequisites or ():
            needed.setdefault(code, title)
    return needed


def plan_page(session: Session, user: User, page: int, per_page: int) -> PlanView:
    """Page ``page`` (1-based) of ``user``'s plan: ``per_page`` entries, with the plan's totals (entries,
    hours left) counted in SQL; the dismissed items on the last page. The same statements for a plan of
    any size. A page past the end has no entries and the same totals."""
    view, official = _started(session, user)
    if view.plan is None:
        return view
    plan_id = view.plan.id
    view.total = session.scalar(select(func.count()).select_from(PlanItem).where(*_shown(plan_id))) or 0
    enrolments = _enrolments(session, user)
    view.hours_left = _hours_left(session, user, plan_id, official, enrolments)
    view.offset = (page - 1) * per_page
    items = list(session.scalars(
        select(PlanItem).where(*_shown(plan_id)).order_by(PlanItem.position, PlanItem.id)
        .limit(per_page).offset(view.offset).options(*_WITH_MATERIAL))) if view.offset < view.total else []
    last_page = view.offset + per_page >= view.total
    if last_page:
        items += session.scalars(select(PlanItem).where(
            PlanItem.plan_id == plan_id, PlanItem.status == "dismissed")
            .order_by(PlanItem.position, PlanItem.id).options(*_WITH_MATERIAL))
    resource_ids = [item.resource_id for item in items if item.resource_id is not None]
    progress = {p.resource_id: p for p in session.scalars(select(Progress).where(
        Progress.user_id == user.id, Progress.resource_id.in_(resource_ids)))}
    needed_before = _needed_before(session, plan_id)
    for item in items:
        entry = _entry(item, official, progress, enrolments, needed_before)
        if entry is not None:
            (view.dismissed if item.status == "dismissed" else view.entries).append(entry)
    return view


def page_of(session: Session, user: User, item_id: int, per_page: int) -> int:
    """The page of ``user``'s plan that shows item ``item_id`` (dismissed items: the last page); 1 when the
    item is not theirs or the plan is empty."""
    plan_id = session.scalar(select(LearningPlan.id).where(LearningPlan.user_id == user.id))
    item = session.get(PlanItem, item_id)
    if plan_id is None or item is None or item.plan_id != plan_id:
        return 1
    shown = _shown(plan_id)
    if item.status == "dismissed":
        before = session.scalar(select(func.count()).select_from(PlanItem).where(*shown)) or 1
        return (before - 1) // per_page + 1
    before = session.scalar(select(func.count()).select_from(PlanItem).where(
        *shown, or_(PlanItem.position < item.position,
                    and_(PlanItem.position == item.position, PlanItem.id < item.id)))) or 0
    return before // per_page + 1
