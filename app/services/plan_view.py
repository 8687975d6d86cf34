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

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import Enrolment, LearningPlan, PathStep, PathVersion, PlanItem, Progress, User
from app.services import matching, plans


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
    steps: int = 0

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

    @property
    def hours_left(self) -> float:
        """Hours of the accepted and suggested items not completed yet."""
        return sum(e.hours for e in self.entries if not e.done)

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
        if self.plan is None or self.entries:
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
                      steps=len(steps))
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


def plan_view(session: Session, user: User) -> PlanView:
    """``user``'s plan, ready to show: entries with progress, reasons' parts, dismissed items, unmet gaps,
    and the competencies their latest assessment did not assess."""
    profile = plans.official_profile(session, user)
    if profile is None:
        return PlanView(has_assessment=False)
    view = PlanView(has_assessment=True, languages=profile.official.languages,
                    languages_assumed=profile.languages_assumed, hours_per_week=profile.hours_per_week)
    view.plan = session.scalar(
        select(LearningPlan).where(LearningPlan.user_id == user.id).options(
            selectinload(LearningPlan.items).selectinload(PlanItem.resource),
            selectinload(LearningPlan.items).selectinload(PlanItem.path_version)
            .selectinload(PathVersion.steps).selectinload(PathStep.resource)))
    # what the plan was built from (the latest attempt, unless it has not been refreshed since)
    attempt_id = (view.plan.attempt_id if view.plan is not None and view.plan.attempt_id
                  else profile.attempt_id)
    view.not_assessed, view.assessed = plans.assessment_coverage(session, attempt_id)
    if view.plan is None:
        return view
    view.unmet = list(view.plan.unmet)
    progress = {p.resource_id: p for p in session.scalars(
        select(Progress).where(Progress.user_id == user.id))}
    enrolments = {e.path_version_id: e for e in session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id))}
    needed_before: dict[str, str] = {}
    for item in view.plan.items:
        if item.resource is not None:
            for code in item.resource.prerequisites:
                needed_before.setdefault(code, item.resource.title)
    for item in sorted(view.plan.items, key=lambda i: i.position):
        entry = _entry(item, profile.official, progress, enrolments, needed_before)
        if entry is not None:
            (view.dismissed if item.status == "dismissed" else view.entries).append(entry)
    return view
