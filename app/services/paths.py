"""Course paths: composed by admins as drafts, published as versions that never change afterwards.

Editing a published path makes a new draft version; publishing it supersedes the old version, and
officials enrolled in the old version keep it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.models import Competency, CoursePath, PathStep, PathVersion, Resource, RoleProfile
from app.models.base import utcnow
from app.services import audit
from app.services.audit import Actor
from app.services.errors import ManyProblems, ValidationFailed

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,118}$")
OPTIONAL_MARK = "(optional)"


@dataclass(frozen=True)
class StepSpec:
    resource_codes: tuple[str, ...]  # more than one: alternatives, take one of them
    optional: bool = False
    rows: tuple[int, ...] = ()  # the picker's row of each code, to show a problem on it


@dataclass(frozen=True)
class StepChoice:
    """One row of the step picker: a resource; ``alternative``: it may be taken instead of the step
    above (the two make one step); ``optional``: the step may be skipped."""

    resource_code: str
    alternative: bool = False
    optional: bool = False


def steps_from_rows(rows: list[StepChoice]) -> list[StepSpec]:
    """The steps the picker's rows make (empty rows skipped). Raise ManyProblems naming each bad row
    (``steps.<row>.<resource|alternative>``)."""
    steps, problems = read_step_rows(rows)
    if problems:
        raise ManyProblems(problems)
    return steps


def read_step_rows(rows: list[StepChoice]) -> tuple[list[StepSpec], list[ValidationFailed]]:
    """The steps the good rows make, and a problem for each bad one (see ``steps_from_rows``)."""
    steps: list[StepSpec] = []
    problems: list[ValidationFailed] = []
    for n, row in enumerate(rows):
        code = (row.resource_code or "").strip()
        if not code:
            if row.alternative or row.optional:
                problems.append(ValidationFailed(f"Row {n + 1}: choose a resource, or untick its boxes",
                                                 field=f"steps.{n}.resource"))
            continue
        if row.alternative and not steps:
            problems.append(ValidationFailed(
                f"Step {n + 1} is the first: there is no step above it to be an alternative to",
                field=f"steps.{n}.alternative"))
        elif row.alternative:
            last = steps[-1]
            steps[-1] = StepSpec(last.resource_codes + (code,), last.optional or row.optional,
                                 last.rows + (n,))
        else:
            steps.append(StepSpec((code,), row.optional, (n,)))
    if not steps and not problems:
        problems.append(ValidationFailed("Add at least one step: choose a resource",
                                         field="steps.0.resource"))
    return steps, problems


def step_rows(version: PathVersion) -> list[StepChoice]:
    """The picker's rows for ``version``'s steps (the inverse of ``steps_from_rows``)."""
    rows: list[StepChoice] = []
    previous = None
    for step in sorted(version.steps, key=lambda s: s.position):
        joined = bool(step.alternative_group) and step.alternative_group == previous
        rows.append(StepChoice(step.resource.code, alternative=joined, optional=step.optional))
        previous = step.alternative_group
    return rows


@dataclass(frozen=True)
class DisplayStep:
    """A step as an official reads it: one resource, or several to take one of."""

    resources: list[Resource]
    optional: bool


def display_steps(version: PathVersion) -> list[DisplayStep]:
    """``version``'s steps in order, each group of alternatives as one step."""
    shown: list[DisplayStep] = []
    previous = None
    for step in sorted(version.steps, key=lambda s: s.position):
        if step.alternative_group and step.alternative_group == previous:
            shown[-1].resources.append(step.resource)
        else:
            shown.append(DisplayStep([step.resource], step.optional))
        previous = step.alternative_group
    return shown


def parse_steps(text: str) -> list[StepSpec]:
    """Steps written one per line: ``resource-code``, ``code-a | code-b`` for alternatives, and
    ``(optional)`` at the end for an optional step. Raise ValidationFailed naming the bad line."""
    steps = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        optional = line.endswith(OPTIONAL_MARK)
        if optional:
            line = line.removesuffix(OPTIONAL_MARK).strip()
        codes = tuple(code.strip() for code in line.split("|"))
        if not all(codes):
            raise ValidationFailed(f"Line {number}: an empty resource code", field="steps")
        steps.append(StepSpec(codes, optional))
    if not steps:
        raise ValidationFailed("Add at least one step", field="steps")
    return steps


def format_steps(version: PathVersion) -> str:
    """The steps of ``version`` in the format parse_steps reads."""
    lines: list[tuple[str | None, bool, list[str]]] = []
    for step in version.steps:
        if step.alternative_group and lines and lines[-1][0] == step.alternative_group:
            lines[-1][2].append(step.resource.code)
        else:
            lines.append((step.alternative_group, step.optional, [step.resource.code]))
    return "\n".join(" | ".join(codes) + (f" {OPTIONAL_MARK}" if optional else "")
                     for _group, optional, codes in lines)


def estimated_hours(version: PathVersion) -> float:
    """Hours of the required steps; of a set of alternatives, the shortest counts."""
    total = 0.0
    seen_groups: dict[str, float] = {}
    for step in version.steps:
        if step.optional:
            continue
        if step.alternative_group:
            current = seen_groups.get(step.alternative_group)
            seen_groups[step.alternative_group] = (step.resource.hours if current is None
                                                   else min(current, step.resource.hours))
        else:
            total += step.resource.hours
    return total + sum(seen_groups.values())


def _resources_by_code(session: Session, steps: list[StepSpec], prerequisites: list[str],
                       problems: list[ValidationFailed]) -> dict[str, Resource]:
    """The resources the steps and prerequisites name; a problem for each unknown or retired one."""
    wanted = {code for step in steps for code in step.resource_codes} | set(prerequisites)
    found = {r.code: r for r in session.scalars(select(Resource).where(Resource.code.in_(wanted)))}
    for number, step in enumerate(steps, start=1):
        for position, code in enumerate(step.resource_codes):
            field = f"steps.{step.rows[position]}.resource" if len(step.rows) > position else "steps"
            resource = found.get(code)
            if resource is None:
                problems.append(ValidationFailed(f"Step {number}: no resource with the id {code}",
                                                 field=field))
            elif resource.status != "published":
                problems.append(ValidationFailed(f"Step {number}: {code} is retired", field=field))
    for code in prerequisites:
        if code not in found:
            problems.append(ValidationFailed(f"No resource with the id {code}", field="prerequisites"))
    return found


@dataclass
class PathDraft:
    title: str
    description: str
    steps: list[StepSpec]
    role_profile_ids: list[int]
    competency_ids: list[int]
    prerequisites: list[str]


def _code_problem(session: Session, code: str) -> ValidationFailed | None:
    if len(code) > 120:
        return ValidationFailed("The id must be 120 characters or fewer", field="code")
    if not _CODE.match(code):
        return ValidationFailed("The id must be lower-case letters, digits and hyphens", field="code")
    if session.scalar(select(CoursePath).where(CoursePath.code == code)):
        return ValidationFailed(f"A path with the id {code} already exists", field="code")
    return None


def draft_problems(session: Session, draft: PathDraft, code: str | None = None) -> list[ValidationFailed]:
    """Everything wrong with ``draft`` (and with the id of a new path, ``code``), nothing written."""
    problems = [p for p in [_code_problem(session, code.strip().lower())] if p] if code is not None else []
    if not draft.title.strip():
        problems.append(ValidationFailed("Enter the path's title", field="title"))
    _resources_by_code(session, draft.steps, draft.prerequisites, problems)
    if not draft.steps:
        problems.append(ValidationFailed("Add at least one step", field="steps"))
    return problems


def _fill(session: Session, version: PathVersion, draft: PathDraft, code: str | None = None) -> None:
    """Validate ``draft`` (nothing changes if it is wrong: ManyProblems), then write it into ``version``."""
    problems = draft_problems(session, draft, code)
    if problems:
        raise ManyProblems(problems)
    resources = _resources_by_code(session, draft.steps, draft.prerequisites, [])
    roles = list(session.scalars(select(RoleProfile).where(RoleProfile.id.in_(draft.role_profile_ids))))
    competencies = list(session.scalars(
        select(Competency).where(Competency.id.in_(draft.competency_ids))))
    if version.steps:
        version.steps.clear()
        session.flush()  # old steps go before the new ones take their positions
    version.title = draft.title.strip()
    version.description = draft.description.strip()
    version.prerequisites = list(dict.fromkeys(draft.prerequisites))
    version.role_profiles = roles
    version.competencies = competencies
    position = 0
    for number, step in enumerate(draft.steps, start=1):
        group = f"step-{number}" if len(step.resource_codes) > 1 else None
        for code_ in step.resource_codes:
            version.steps.append(PathStep(position=position, resource=resources[code_],
                                          optional=step.optional, alternative_group=group))
            position += 1


def create_path(session: Session, actor: Actor, code: str, draft: PathDraft) -> PathVersion:
    """A new path with its first version, as a draft. Raise ManyProblems with every problem."""
    code = code.strip().lower()
    path = CoursePath(code=code)
    version = PathVersion(path=path, version=1, status="draft", title=draft.title,
                          created_by_id=actor.user_id)
    _fill(session, version, draft, code)  # validates before anything joins the session
    session.add(version)
    audit.record(session, actor, "path.create", version, details={"code": code})
    return version


def save_draft(session: Session, actor: Actor, version: PathVersion, draft: PathDraft) -> PathVersion:
    """Change a draft. A published version is never changed: raise ValidationFailed."""
    if version.status != "draft":
        raise ValidationFailed("A published version cannot change; edit the path to make a new version")
    _fill(session, version, draft)
    audit.record(session, actor, "path.update", version, details={"version": version.version})
    return version


def draft_of(session: Session, actor: Actor, path: CoursePath) -> PathVersion:
    """The path's draft: the existing one, or a new version copied from the latest."""
    latest = path.versions[-1]
    if latest.status == "draft":
        return latest
    version = PathVersion(path=path, version=latest.version + 1, status="draft", title=latest.title,
                          description=latest.description, prerequisites=list(latest.prerequisites),
                          created_by_id=actor.user_id)
    session.add(version)
    version.role_profiles = list(latest.role_profiles)
    version.competencies = list(latest.competencies)
    for step in latest.steps:
        version.steps.append(PathStep(position=step.position, resource=step.resource,
                                      optional=step.optional, alternative_group=step.alternative_group))
    audit.record(session, actor, "path.new_version", version, details={"version": version.version})
    return version


def publish(session: Session, actor: Actor, version: PathVersion) -> None:
    """Publish a draft; the version published before it is superseded (its enrolments stay)."""
    if version.status != "draft":
        raise ValidationFailed("Only a draft can be published")
    if not version.steps:
        raise ValidationFailed("A path needs at least one step before it is published")
    retired = [s.resource.code for s in version.steps if s.resource.status != "published"]
    if retired:
        raise ValidationFailed("These resources are retired: " + ", ".join(retired))
    for other in version.path.versions:
        if other.status == "published":
            other.status = "superseded"
    version.status = "published"
    version.published_at = utcnow()
    audit.record(session, actor, "path.publish", version, details={"version": version.version})


def prerequisite_resources(session: Session, version: PathVersion) -> list[Resource]:
    """The resources ``version`` asks to complete first, in its order."""
    found = {r.code: r for r in session.scalars(
        select(Resource).where(Resource.code.in_(version.prerequisites)))}
    return [found[code] for code in version.prerequisites if code in found]


def published_paths(session: Session, text: str = "") -> list[PathVersion]:
    """The published version of each path, by title; with ``text``, those whose title or description
    holds every word of it (case-insensitive)."""
    stmt = (select(PathVersion).where(PathVersion.status == "published")
            .options(selectinload(PathVersion.steps).selectinload(PathStep.resource),
                     selectinload(PathVersion.role_profiles)))
    for word in text.split()[:10]:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", word.lower()) + "%"
        stmt = stmt.where(or_(func.lower(PathVersion.title).like(pattern, escape="\\"),
                              func.lower(PathVersion.description).like(pattern, escape="\\")))
    return list(session.scalars(stmt.order_by(func.lower(PathVersion.title), PathVersion.id)))


def paths_overview(session: Session) -> list[CoursePath]:
    """Every path with its versions, newest path first (two queries)."""
    return list(session.scalars(
        select(CoursePath).options(selectinload(CoursePath.versions)).order_by(CoursePath.id.desc())))
