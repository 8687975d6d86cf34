"""Sync the catalogue (courses/resources/) into the database: upsert by id; see app/content/sync.py."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.content.catalogue import ResourceModel, competency_index, resolve
from app.content.loader import Content
from app.content.sync_report import SyncReport, plural
from app.models import Framework, Resource, ResourceCompetency
from app.services.catalogue import normalise_url

_RESOURCE_COLUMNS = ("title", "provider", "url", "normalised_url", "licence", "languages", "format", "hours",
                     "cost", "certificate", "prerequisites", "accessibility", "offline", "description",
                     "reviewed_on", "reviewed_by", "status")


def _resource_values(data: ResourceModel) -> dict:
    """The Resource columns a file gives, by column name."""
    return {
        "title": data.title, "provider": data.provider, "url": data.url,
        "normalised_url": normalise_url(data.url), "licence": data.licence, "languages": list(data.languages),
        "format": data.format, "hours": float(data.hours), "cost": data.cost, "certificate": data.certificate,
        "prerequisites": list(data.prerequisites), "accessibility": data.accessibility.model_dump(),
        "offline": data.offline, "description": data.description, "reviewed_on": data.reviewed.date,
        "reviewed_by": data.reviewed.by, "status": data.status,
    }


def sync_resources(session: Session, content: Content, frameworks: dict[str, Framework],
                    report: SyncReport) -> None:
    index = competency_index(content.frameworks)
    competency_ids = {(code, competency.code): competency.id
                      for code, framework in frameworks.items() for competency in framework.competencies}
    existing = {resource.code: resource for resource in session.scalars(
        select(Resource).options(selectinload(Resource.teaches)))}
    for data in content.resources or []:
        wanted: dict[int, tuple[int, int]] = {}
        for taught in data.competencies:
            scale, code = resolve(taught.code, index)  # type: ignore[misc] - validated by the loader
            wanted[competency_ids[scale.framework, code]] = (taught.level_from, taught.level_to)
        _sync_resource(session, data, existing.get(data.id), wanted, report)

    in_files = {data.id for data in content.resources or []}
    for resource in existing.values():
        if resource.source == "content" and resource.code not in in_files and resource.status != "retired":
            resource.status = "retired"
            report.retired.append(f"resource {resource.code} (its file is gone)")


def _sync_resource(session: Session, data: ResourceModel, resource: Resource | None,
                   wanted: dict[int, tuple[int, int]], report: SyncReport) -> None:
    values = _resource_values(data)
    if resource is None:
        resource = Resource(code=data.id, source="content", **values)
        resource.teaches = [ResourceCompetency(competency_id=cid, level_from=level_from, level_to=level_to)
                            for cid, (level_from, level_to) in wanted.items()]
        session.add(resource)
        report.added.append(f"resource {data.id}: {plural(len(wanted), 'competency')}"
                            + (" (retired)" if data.status == "retired" else ""))
        return
    changes = [column.removesuffix("_on").removesuffix("_by") for column in _RESOURCE_COLUMNS
               if column not in ("status", "normalised_url") and getattr(resource, column) != values[column]]
    changes = list(dict.fromkeys(changes))  # reviewed_on and reviewed_by are one "reviewed"
    status_before = resource.status
    for column in _RESOURCE_COLUMNS:
        if getattr(resource, column) != values[column]:
            setattr(resource, column, values[column])
    if _sync_teaches(resource, wanted):
        changes.append("competencies")
    if resource.source != "content":
        resource.source = "content"
        changes.append("now kept in its file")
    if status_before != data.status and data.status == "retired":
        report.retired.append(f"resource {data.id}" + (f": {', '.join(changes)}" if changes else ""))
    elif status_before != data.status:
        report.changed.append(f"resource {data.id}: " + ", ".join(["restored", *changes]))
    elif changes:
        report.changed.append(f"resource {data.id}: {', '.join(changes)}")


def _sync_teaches(resource: Resource, wanted: dict[int, tuple[int, int]]) -> bool:
    changed = False
    existing = {row.competency_id: row for row in resource.teaches}
    for competency_id, (level_from, level_to) in wanted.items():
        row = existing.pop(competency_id, None)
        if row is None:
            resource.teaches.append(ResourceCompetency(competency_id=competency_id, level_from=level_from,
                                                       level_to=level_to))
            changed = True
        elif (row.level_from, row.level_to) != (level_from, level_to):
            row.level_from, row.level_to = level_from, level_to
            changed = True
    for row in existing.values():
        resource.teaches.remove(row)
        changed = True
    return changed
