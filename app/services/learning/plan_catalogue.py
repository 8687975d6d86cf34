"""The catalogue as matching sees it: the published resources and the path versions officials can be
recommended, loaded once (a fixed number of queries) and shared by every official matched against it.

Rules kept here:

- Only published resources are candidates, as single resources or as the steps of a path.
- A path's required steps are its steps that are not optional; a group of alternatives is one step,
  any of whose published resources may stand for it (matching picks the one in the official's
  language, see ``matching.Path.for_official``).
- A retired resource leaves every path: a retired alternative drops out of its step, and a path with a
  required step that has no published resource left is not recommended at all (a published version
  never changes, so a curator makes a new version without it). Retired optional steps do not matter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import (
    Enrolment,
    PathStep,
    PathVersion,
    PathVersionRole,
    Resource,
    ResourceCompetency,
    RoleProfile,
)
from app.services.learning import matching

PUBLISHED = "published"


@dataclass
class Catalogue:
    """The published resources and paths, loaded once and shared by every official matched against it."""

    resources: list[matching.Resource]  # published resources: the candidates
    by_code: dict[str, matching.Resource]  # the same, by code
    resource_ids: dict[str, int]  # resource code -> Resource.id
    versions: dict[int, tuple[int, matching.Path]]  # path version id -> (course path id, path)
    published: dict[int, int]  # course path id -> its published version id
    path_of: dict[int, int] = field(default_factory=dict)  # every version loaded -> its course path id

    def paths_for(self, enrolled: Iterable[int] = ()) -> list[matching.Path]:
        """The published paths, except that an official keeps the version they enrolled in."""
        chosen = dict(self.published)
        for version_id in enrolled:
            if version_id in self.path_of:  # even one no longer recommended: never another version
                chosen[self.path_of[version_id]] = version_id
        return [self.versions[version_id][1] for version_id in sorted(chosen.values())
                if version_id in self.versions]


def _resources(session: Session) -> tuple[dict[int, matching.Resource], dict[str, int]]:
    """Published resources with what they teach (one query, one row per teaching, one pass): by
    Resource.id, and code -> Resource.id."""
    rows = session.execute(
        select(Resource.id, Resource.code, Resource.title, Resource.languages, Resource.format,
               Resource.hours, Resource.prerequisites, ResourceCompetency.competency_id,
               ResourceCompetency.level_from, ResourceCompetency.level_to)
        .outerjoin(ResourceCompetency, ResourceCompetency.resource_id == Resource.id)
        .where(Resource.status == PUBLISHED)
        .order_by(Resource.code, ResourceCompetency.competency_id, ResourceCompetency.level_from))
    by_id: dict[int, matching.Resource] = {}
    teaches: list[matching.Teaches] = []
    last = None
    for row in rows:
        if last is None or row.id != last.id:
            if last is not None:
                by_id[last.id] = _resource(last, teaches)
            last, teaches = row, []
        if row.competency_id is not None:
            teaches.append(matching.Teaches(str(row.competency_id), row.level_from, row.level_to))
    if last is not None:
        by_id[last.id] = _resource(last, teaches)
    return by_id, {r.id: rid for rid, r in by_id.items()}


def _resource(row: Any, teaches: list[matching.Teaches]) -> matching.Resource:
    return matching.Resource(
        id=row.code, title=row.title, languages=tuple(row.languages or ()), format=row.format,
        hours=float(row.hours), teaches=tuple(sorted(teaches, key=lambda t: (t.competency, t.level_from))),
        prerequisites=tuple(row.prerequisites or ()))


def _required_steps(rows: Iterable[Any]) -> dict[int, list[list[int]]]:
    """Path version id -> its required steps in order, each the resource ids that may stand for it."""
    steps: dict[int, list[list[int]]] = {}
    groups: dict[tuple[int, str], list[int]] = {}
    for row in rows:
        if row.optional:
            continue
        if row.alternative_group:
            key = (row.path_version_id, row.alternative_group)
            if key in groups:
                groups[key].append(row.resource_id)
                continue
            groups[key] = [row.resource_id]
            steps.setdefault(row.path_version_id, []).append(groups[key])
        else:
            steps.setdefault(row.path_version_id, []).append([row.resource_id])
    return steps


def _path(row: Any, steps: list[list[int]], by_id: dict[int, matching.Resource],
          roles: tuple[str, ...]) -> matching.Path | None:
    """The version as matching sees it, or None when a required step has no published resource left."""
    options = [tuple(by_id[rid] for rid in step if rid in by_id) for step in steps]
    if not options or not all(options):
        return None
    return matching.Path(id=str(row.id), title=row.title, role_profiles=roles,
                         resources=tuple(step[0] for step in options),
                         alternatives=tuple(options) if any(len(step) > 1 for step in options) else ())


def _paths(session: Session, by_id: dict[int, matching.Resource]
           ) -> tuple[dict[int, tuple[int, matching.Path]], dict[int, int], dict[int, int]]:
    """The published path versions (and those officials enrolled in) that can be recommended, the
    latest published version of each course path, and the course path of every version loaded."""
    relevant = or_(PathVersion.status == PUBLISHED, PathVersion.id.in_(select(Enrolment.path_version_id)))
    versions = session.execute(
        select(PathVersion.id, PathVersion.path_id, PathVersion.version, PathVersion.status,
               PathVersion.title).where(relevant)).all()
    steps = _required_steps(session.execute(
        select(PathStep.path_version_id, PathStep.resource_id, PathStep.optional, PathStep.alternative_group)
        .join(PathVersion, PathVersion.id == PathStep.path_version_id)
        .where(relevant).order_by(PathStep.path_version_id, PathStep.position)))
    role_codes: dict[int, list[str]] = {}
    for version_id, code in session.execute(
        select(PathVersionRole.path_version_id, RoleProfile.code)
        .join(RoleProfile, RoleProfile.id == PathVersionRole.role_profile_id)
        .join(PathVersion, PathVersion.id == PathVersionRole.path_version_id).where(relevant)
    ):
        role_codes.setdefault(version_id, []).append(code)

    found: dict[int, tuple[int, matching.Path]] = {}
    latest: dict[int, tuple[int, int]] = {}
    for row in versions:
        path = _path(row, steps.get(row.id, []), by_id, tuple(sorted(role_codes.get(row.id, ()))))
        if path is None:
            continue  # no required step, or one that is retired: nothing to recommend
        found[row.id] = (row.path_id, path)
        if row.status == PUBLISHED and row.version > latest.get(row.path_id, (0, 0))[0]:
            latest[row.path_id] = (row.version, row.id)
    return (found, {path_id: version_id for path_id, (_v, version_id) in latest.items()},
            {row.id: row.path_id for row in versions})


def load_catalogue(session: Session) -> Catalogue:
    """Published resources with what they teach, and the path versions officials can be recommended or
    follow (four queries whatever the catalogue's size, each read once)."""
    by_id, resource_ids = _resources(session)
    versions, published, path_of = _paths(session, by_id)
    resources = list(by_id.values())
    return Catalogue(resources=resources, by_code={r.id: r for r in resources}, resource_ids=resource_ids,
                     versions=versions, published=published, path_of=path_of)
