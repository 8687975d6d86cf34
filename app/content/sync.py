"""Write validated content to the database: upsert by stable code, in the caller's transaction.

Nothing here commits: the caller commits once, so a sync is all or nothing. Rules:

- Frameworks, areas, competencies, levels and descriptors are updated in place by code. A competency
  that is no longer in the file is retired (never deleted: results refer to it); it comes back if the
  file lists it again. An area no longer in the file is deleted when nothing refers to it.
- Role profiles are updated in place; one no longer in the content is retired.
- Instruments are versioned. The content hash covers the kind, framework, form, practice, sections and
  items, the checks of the framework's item banks included (see app/content/items.py): when it
  changes, a new Instrument row is written with version + 1 and becomes current, and attempts keep the
  version they were taken on. A change of name or description only updates the current version.
  An instrument no longer in the content stops being current.
- Resources (courses/resources/) are updated in place by id, with the competencies they teach. Every
  resource written from a file is marked source "content"; one whose file is gone is retired, never
  deleted (plans and paths refer to it). Resources made in the app (source "ui") are left alone until
  their exported file is synced. When the content has no catalogue (an assessments folder alone),
  resources are not touched.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.content.loader import Content
from app.content.schemas import (
    ContextItem,
    FrameworkModel,
    InstrumentModel,
    KnowledgeItem,
    MaturityItem,
    RoleProfileModel,
    SelfRatingItem,
)
from app.content.sync_report import SyncReport, describe, plural
from app.content.sync_resources import sync_resources
from app.models import (
    Area,
    Competency,
    Framework,
    Instrument,
    InstrumentSection,
    Item,
    LevelDescriptor,
    ProficiencyLevel,
    RoleProfile,
    RoleTarget,
)
from app.services.errors import ValidationFailed
from app.services.evaluation import data_version


def sync_content(session: Session, content: Content) -> SyncReport:
    """Upsert everything in ``content`` (already validated by load_content). Raises ValidationFailed
    when the database holds something the content cannot replace (a framework of the same code that
    was imported from a file)."""
    report = SyncReport()
    frameworks = {fw.code: sync_framework(session, fw, source="content", report=report)
                  for fw in content.frameworks}

    role_codes = {role.code for role in content.roles}
    for role in content.roles:
        _sync_role(session, role, frameworks[role.framework], report)
    for role in session.scalars(select(RoleProfile).where(RoleProfile.retired.is_(False),
                                                          RoleProfile.code.not_in(role_codes))):
        role.retired = True
        report.retired.append(f"role profile {role.code}")

    instrument_codes = {instrument.code for instrument in content.instruments}
    for instrument in content.instruments:
        _sync_instrument(session, instrument, frameworks[instrument.framework], report)
    for instrument in session.scalars(select(Instrument).where(Instrument.current.is_(True),
                                                               Instrument.code.not_in(instrument_codes))):
        instrument.current = False
        report.retired.append(f"instrument {instrument.code} (version {instrument.version})")
    if content.resources is not None:
        sync_resources(session, content, frameworks, report)
    data_version.bump(session)  # the dashboards' cached figures are out of date once this commits
    session.flush()
    return report


# Frameworks ---------------------------------------------------------------------------------------


def sync_framework(session: Session, data: FrameworkModel, *, source: str, report: SyncReport) -> Framework:
    """Create or update one framework from validated data (see loader.framework_problems)."""
    framework = session.scalar(
        select(Framework).where(Framework.code == data.code).options(
            selectinload(Framework.levels), selectinload(Framework.areas),
            selectinload(Framework.competencies).selectinload(Competency.descriptors)))
    if framework is not None and framework.source != source:
        raise ValidationFailed(f"framework {data.code} already exists and came from {framework.source}, "
                               f"not {source}: choose another code", field="code")
    new = framework is None
    if new:
        framework = Framework(code=data.code, source=source)
        session.add(framework)
    changes: Counter = Counter()

    for attribute in ("name", "version", "description", "licence", "identifier"):
        if getattr(framework, attribute) != getattr(data, attribute):
            setattr(framework, attribute, getattr(data, attribute))
            changes[attribute] = 0

    _sync_levels(framework, data, changes)
    areas = _sync_areas(session, framework, data, changes)
    retired = _sync_competencies(framework, data, areas, changes)
    session.flush()
    _delete_unused_areas(session, framework, data, changes)

    if new:
        report.added.append(f"framework {data.code}: {plural(len(data.areas), 'area')}, "
                            f"{plural(len(data.competencies()), 'competency')}, "
                            f"{plural(len(data.scale), 'level')}")
    elif changes:
        report.changed.append(f"framework {data.code}: {describe(changes)}")
    report.retired.extend(f"framework {data.code}: competency {code}" for code in retired)
    return framework


def _sync_levels(framework: Framework, data: FrameworkModel, changes: Counter) -> None:
    existing = {level.level: level for level in framework.levels}
    for scale_level in data.scale:
        row = existing.pop(scale_level.level, None)
        if row is None:
            framework.levels.append(ProficiencyLevel(level=scale_level.level, name=scale_level.name,
                                                     description=scale_level.description))
            changes["scale level"] += 1
        elif (row.name, row.description) != (scale_level.name, scale_level.description):
            row.name, row.description = scale_level.name, scale_level.description
            changes["scale level"] += 1
    for row in existing.values():
        framework.levels.remove(row)
        changes["scale level"] += 1


def _sync_areas(session: Session, framework: Framework, data: FrameworkModel,
                changes: Counter) -> dict[str, Area]:
    existing = {area.code: area for area in framework.areas}
    areas: dict[str, Area] = {}
    for position, area_data in enumerate(data.areas):
        area = existing.get(area_data.code)
        if area is None:
            area = Area(code=area_data.code, position=position)
            framework.areas.append(area)
            changes["area added"] += 1
        fields = {"name": area_data.name, "description": area_data.description, "position": position,
                  "identifier": area_data.identifier}
        if area_data.code in existing and any(getattr(area, k) != v for k, v in fields.items()):
            changes["area"] += 1
        for key, value in fields.items():
            setattr(area, key, value)
        areas[area_data.code] = area
    # Parents are set by id once every area has one: through the relationship, the flush would sort a
    # deep tree's rows pairwise (a 3,000-deep CASE chain took over 30 s).
    session.flush()
    for area_data in data.areas:
        parent_id = areas[area_data.parent].id if area_data.parent else None
        area = areas[area_data.code]
        if area.parent_id != parent_id:
            if area_data.code in existing:
                changes["area"] += 1
            area.parent_id = parent_id
            session.expire(area, ["parent"])
    return areas


def _sync_competencies(framework: Framework, data: FrameworkModel, areas: dict[str, Area],
                       changes: Counter) -> list[str]:
    existing = {competency.code: competency for competency in framework.competencies}
    position = 0
    for area_data in data.areas:
        for item in area_data.competencies:
            competency = existing.pop(item.code, None)
            if competency is None:
                competency = Competency(code=item.code)
                framework.competencies.append(competency)
                changes["competency added"] += 1
            else:
                before = (competency.name, competency.description, competency.identifier, competency.area_id)
                after = (item.name, item.description, item.identifier, areas[area_data.code].id)
                if before != after:
                    changes["competency"] += 1
                elif competency.position != position:
                    changes["order of competencies"] = 0  # one move shifts many positions: say it once
                if competency.retired:
                    changes["competency restored"] += 1
            competency.name, competency.description = item.name, item.description
            competency.identifier, competency.position = item.identifier, position
            competency.area, competency.retired = areas[area_data.code], False
            _sync_descriptors(competency, item.levels, changes)
            position += 1
    retired = []
    for competency in existing.values():
        if not competency.retired:
            competency.retired = True
            retired.append(competency.code)
    return retired


def _sync_descriptors(competency: Competency, levels: dict[int, str], changes: Counter) -> None:
    existing = {descriptor.level: descriptor for descriptor in competency.descriptors}
    counted = competency.id is not None  # a new competency's descriptors are not changes
    for level, text in levels.items():
        descriptor = existing.pop(level, None)
        if descriptor is None:
            competency.descriptors.append(LevelDescriptor(level=level, text=text))
            if counted:
                changes["descriptor"] += 1
        elif descriptor.text != text:
            descriptor.text = text
            changes["descriptor"] += 1
    for descriptor in existing.values():
        competency.descriptors.remove(descriptor)
        changes["descriptor"] += 1


def _delete_unused_areas(session: Session, framework: Framework, data: FrameworkModel,
                         changes: Counter) -> None:
    """Areas no longer in the file go, unless a (retired) competency or a child area still sits in them."""
    wanted = {area.code for area in data.areas}
    gone = [area for area in framework.areas if area.code not in wanted]
    if not gone:
        return
    used = set(session.scalars(select(Competency.area_id).where(
        Competency.area_id.in_([area.id for area in gone]))))
    used |= set(session.scalars(select(Area.parent_id).where(Area.parent_id.in_([a.id for a in gone]))))
    for area in gone:
        if area.id not in used:
            framework.areas.remove(area)
            session.delete(area)
            changes["area removed"] += 1


# Role profiles ------------------------------------------------------------------------------------


def _sync_role(session: Session, data: RoleProfileModel, framework: Framework, report: SyncReport) -> None:
    role = session.scalar(select(RoleProfile).where(RoleProfile.code == data.code)
                          .options(selectinload(RoleProfile.targets)))
    competency_ids = {c.code: c.id for c in framework.competencies}
    wanted = {competency_ids[code]: level for code, level in data.targets.items()}
    if role is None:
        role = RoleProfile(code=data.code, name=data.name, description=data.description, framework=framework)
        role.targets = [RoleTarget(competency_id=cid, level=level) for cid, level in wanted.items()]
        session.add(role)
        report.added.append(f"role profile {data.code}: {plural(len(wanted), 'target')}")
        return
    changes: Counter = Counter()
    for attribute, value in (("name", data.name), ("description", data.description)):
        if getattr(role, attribute) != value:
            setattr(role, attribute, value)
            changes[attribute] = 0
    if role.framework_id != framework.id:
        role.framework = framework
        changes["framework"] = 0
    if role.retired:
        role.retired = False
        changes["restored"] = 0
    existing = {target.competency_id: target for target in role.targets}
    for competency_id, level in wanted.items():
        target = existing.pop(competency_id, None)
        if target is None:
            role.targets.append(RoleTarget(competency_id=competency_id, level=level))
            changes["target"] += 1
        elif target.level != level:
            target.level = level
            changes["target"] += 1
    for target in existing.values():
        role.targets.remove(target)
        changes["target"] += 1
    if changes:
        report.changed.append(f"role profile {data.code}: {describe(changes)}")


# Instruments --------------------------------------------------------------------------------------


def content_hash(data: InstrumentModel) -> str:
    """SHA-256 of the parts that make a version: kind, framework, form, practice, sections and items
    (with the item banks' checks in place), as canonical JSON. Defaults are left out, so writing a default
    value explicitly does not make a new version."""
    sections = [section.model_dump(mode="json", exclude_defaults=True) for section in data.sections]
    payload = {"kind": data.kind, "framework": data.framework, "sections": sections}
    if data.form is not None:
        payload["form"] = data.form.model_dump(mode="json")
    if data.practice:
        payload["practice"] = True
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sync_instrument(session: Session, data: InstrumentModel, framework: Framework,
                     report: SyncReport) -> None:
    digest = content_hash(data)
    current = session.scalar(select(Instrument).where(Instrument.code == data.code,
                                                      Instrument.current.is_(True)))
    if current is not None and current.content_hash == digest:
        changes = [attribute for attribute in ("name", "description")
                   if getattr(current, attribute) != getattr(data, attribute)]
        if changes:
            current.name, current.description = data.name, data.description
            report.changed.append(f"instrument {data.code}: version {current.version} "
                                  f"({', '.join(changes)})")
        return
    latest = session.scalar(select(Instrument).where(Instrument.code == data.code)
                            .order_by(Instrument.version.desc()).limit(1))
    if current is None and latest is not None and latest.content_hash == digest:
        latest.current = True  # back in the content, unchanged since it was last current
        latest.name, latest.description = data.name, data.description
        report.changed.append(f"instrument {data.code}: version {latest.version} current again")
        return
    if current is not None:
        current.current = False
    version = (session.scalar(select(func.max(Instrument.version)).where(Instrument.code == data.code))
               or 0) + 1
    instrument = Instrument(code=data.code, version=version, name=data.name, kind=data.kind,
                            framework=framework, description=data.description, content_hash=digest,
                            current=True, practice=data.practice,
                            form=data.form.model_dump(mode="json") if data.form else {})
    session.add(instrument)
    competency_ids = {c.code: c.id for c in framework.competencies}
    position = 0
    for s, section_data in enumerate(data.sections):
        section = InstrumentSection(code=section_data.code, title=section_data.title,
                                    intro=section_data.intro, position=s)
        instrument.sections.append(section)
        for item_data in section_data.items:
            instrument.items.append(_item(item_data, section, position, competency_ids))
            position += 1
    session.flush()
    items = plural(position, "item")
    if version == 1:
        report.added.append(f"instrument {data.code}: version 1, {plural(len(data.sections), 'section')}, "
                            f"{items}")
    else:
        report.changed.append(f"instrument {data.code}: new version {version} ({items}; "
                              f"version {version - 1} kept for the attempts taken on it)")


def _item(data, section: InstrumentSection, position: int, competency_ids: dict[str, int]) -> Item:
    item = Item(section=section, code=data.code, kind=data.kind, prompt=data.prompt, position=position,
                input="single", options=[])
    if isinstance(data, ContextItem):
        item.input = data.input
        item.options = [option.model_dump() for option in data.options]
    elif isinstance(data, SelfRatingItem):
        item.competency_id = competency_ids[data.competency]
    elif isinstance(data, KnowledgeItem):
        item.competency_id = competency_ids[data.competency]
        item.level, item.key, item.explanation = data.level, data.key, data.explanation
        item.options = [option.model_dump() for option in data.options]
        item.source = data.source.model_dump() if data.source else {}
    elif isinstance(data, MaturityItem):
        item.dimension = data.dimension
        item.options = [option.model_dump() for option in data.options]
    return item
