"""Course paths: composed by admins as drafts, published as versions that never change afterwards.

Editing a published path makes a new draft version; publishing it supersedes the old version, and
officials enrolled in the old version keep it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import Competency, CoursePath, PathStep, PathVersion, Resource, RoleProfile
from app.models.base import utcnow
from app.services import audit
from app.services.audit import Actor
from app.services.errors import ValidationFailed

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,118}$")
OPTIONAL_MARK = "(optional)"


@dataclass(frozen=True)
class StepSpec:
    resource_codes: tuple[str, ...]  # more than one: alternatives, take one of them
    optional: bool = False


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


def _resources_by_code(session: Session, steps: list[StepSpec],
                       prerequisites: list[str]) -> dict[str, Resource]:
    wanted = {code for step in steps for code in step.resource_codes} | set(prerequisites)
    found = {r.code: r for r in session.scalars(select(Resource).where(Resource.code.in_(wanted)))}
    for number, step in enumerate(steps, start=1):
        for code in step.resource_codes:
            resource = found.get(code)
            if resource is None:
                raise ValidationFailed(f"Step {number}: no resource with the id {code}", field="steps")
            if resource.status != "published":
                raise ValidationFailed(f"Step {number}: {code} is retired", field="steps")
    for code in prerequisites:
        if code not in found:
            raise ValidationFailed(f"No resource with the id {code}", field="prerequisites")
    return found


@dataclass
class PathDraft:
    title: str
    description: str
    steps: list[StepSpec]
    role_profile_ids: list[int]
    competency_ids: list[int]
    prerequisites: list[str]


def _fill(session: Session, version: PathVersion, draft: PathDraft) -> None:
    """Validate ``draft`` (nothing changes if it is wrong), then write it into ``version``."""
    if not draft.title.strip():
        raise ValidationFailed("Enter the path's title", field="title")
    resources = _resources_by_code(session, draft.steps, draft.prerequisites)
    roles = list(session.scalars(select(RoleProfile).where(RoleProfile.id.in_(draft.role_profile_ids))))
    competencies = list(session.scalars(
        select(Competency).where(Competency.id.in_(draft.competency_ids))))
    if version.steps:
        version.steps.clear()
        session.flush()  # old steps go before the new ones take their positions
    version.title = draft.title.strip()
    version.description = draft.description.strip()
    version.prerequisites = list(draft.prerequisites)
    version.role_profiles = roles
    version.competencies = competencies
    position = 0
    for number, step in enumerate(draft.steps, start=1):
        group = f"step-{number}" if len(step.resource_codes) > 1 else None
        for code in step.resource_codes:
            version.steps.append(PathStep(position=position, resource=resources[code],
                                          optional=step.optional, alternative_group=group))
            position += 1


def create_path(session: Session, actor: Actor, code: str, draft: PathDraft) -> PathVersion:
    """A new path with its first version, as a draft."""
    code = code.strip().lower()
    if not _CODE.match(code):
        raise ValidationFailed("The id must be lower-case letters, digits and hyphens", field="code")
    if session.scalar(select(CoursePath).where(CoursePath.code == code)):
        raise ValidationFailed(f"A path with the id {code} already exists", field="code")
    path = CoursePath(code=code)
    version = PathVersion(path=path, version=1, status="draft", title=draft.title,
                          created_by_id=actor.user_id)
    _fill(session, version, draft)  # validates before anything joins the session
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


def paths_overview(session: Session) -> list[CoursePath]:
    """Every path with its versions, newest path first (two queries)."""
    return list(session.scalars(
        select(CoursePath).options(selectinload(CoursePath.versions)).order_by(CoursePath.id.desc())))
