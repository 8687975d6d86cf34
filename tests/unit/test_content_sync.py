"""Sync: upsert by code in the caller's transaction; a second run changes nothing; versions and retirement."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from app.content.loader import DEFAULT_PATH, load_content
from app.content.sync import content_hash, sync_content
from app.extensions import db
from app.models import (
    Area,
    Attempt,
    Competency,
    Framework,
    Instrument,
    Item,
    LevelDescriptor,
    RoleProfile,
    RoleTarget,
)
from app.services.errors import ValidationFailed
from tests.factories import CampaignFactory, FrameworkFactory, UserFactory


def read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def root(tmp_path) -> Path:
    target = tmp_path / "assessments"
    shutil.copytree(DEFAULT_PATH, target, ignore=shutil.ignore_patterns("schema", "examples", "*.md"))
    return target


def sync(path: Path):
    result = load_content(path)
    assert result.errors == []
    report = sync_content(db.session, result.content)
    db.session.flush()
    return report


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_sync_writes_everything_and_a_second_run_changes_nothing(root):
    first = sync(root)
    assert "framework dgcf: 5 areas, 21 competencies, 5 levels" in first.added
    assert any(line.startswith("instrument tna-individual: version 1,") for line in first.added)
    framework = db.session.scalar(select(Framework).where(Framework.code == "dgcf"))
    assert framework.source == "content"
    assert count(Competency, Competency.framework_id == framework.id) == 21
    assert count(LevelDescriptor) >= 21 * 5
    assert count(RoleProfile, RoleProfile.retired.is_(False)) == len(list((root / "roles").glob("*.yaml")))
    individual = db.session.scalar(select(Instrument).where(Instrument.code == "tna-individual"))
    assert (individual.version, individual.current) == (1, True)
    self_rating = db.session.scalar(select(Item).where(Item.instrument_id == individual.id,
                                                       Item.code == "LEAD.CHANGE-self"))
    assert self_rating.competency.code == "LEAD.CHANGE" and self_rating.options == []

    second = sync(root)
    assert not second and second.lines() == []
    assert count(Instrument, Instrument.code == "tna-individual") == 1


def test_a_changed_item_makes_a_new_version_and_attempts_keep_theirs(root):
    sync(root)
    v1 = db.session.scalar(select(Instrument).where(Instrument.code == "tna-individual"))
    v1_hash, v1_items = v1.content_hash, count(Item, Item.instrument_id == v1.id)
    campaign = CampaignFactory(instrument=v1)
    user = UserFactory(organisation__country=campaign.country)
    attempt = Attempt(campaign=campaign, user=user, instrument=v1, country_id=user.country_id,
                      organisation_id=user.organisation_id)
    db.session.add(attempt)
    db.session.flush()

    path = root / "instruments" / "tna-individual.yaml"
    data = read(path)
    data["sections"][1]["items"][1]["prompt"] = "A reworded question?"
    write(path, data)
    report = sync(root)
    assert report.changed == ["instrument tna-individual: new version 2 (279 items; version 1 kept for the "
                              "attempts taken on it)"]

    db.session.refresh(v1)
    v2 = db.session.scalar(select(Instrument).where(Instrument.code == "tna-individual",
                                                    Instrument.current.is_(True)))
    assert (v2.version, v1.current) == (2, False)
    assert v2.content_hash != v1_hash and v1.content_hash == v1_hash
    assert db.session.get(Attempt, attempt.id).instrument_id == v1.id
    assert count(Item, Item.instrument_id == v1.id) == v1_items  # the old version is untouched
    changed = db.session.scalar(select(Item).where(Item.instrument_id == v2.id,
                                                   Item.code == data["sections"][1]["items"][1]["code"]))
    assert changed.prompt == "A reworded question?"

    # Name and description are not part of a version: they change in place.
    data["name"] = "Digital skills assessment"
    write(path, data)
    assert sync(root).changed == ["instrument tna-individual: version 2 (name)"]
    assert count(Instrument, Instrument.code == "tna-individual") == 2
    assert not sync(root)


def test_the_content_hash_ignores_metadata_and_explicit_defaults(root):
    result = load_content(root)
    instrument = next(i for i in result.content.instruments if i.code == "tna-individual")
    renamed = instrument.model_copy(update={"name": "Another name", "description": "Other"})
    assert content_hash(renamed) == content_hash(instrument)
    data = read(root / "instruments" / "tna-individual.yaml")
    data["sections"][0]["intro"] = data["sections"][0].get("intro", "") + " More."
    changed = type(instrument).model_validate(data)
    assert content_hash(changed) != content_hash(instrument)


def test_a_removed_competency_is_retired_not_deleted_and_can_come_back(root):
    sync(root)
    framework_file = root / "frameworks" / "dgcf.yaml"
    original = framework_file.read_text(encoding="utf-8")
    data = read(framework_file)
    removed = data["areas"][4]["competencies"].pop()["code"]
    write(framework_file, data)
    stash = {}
    for path in [*(root / "roles").glob("*.yaml"), *(root / "instruments").glob("*.yaml"),
                 *(root / "banks").glob("*.yaml")]:
        stash[path] = path.read_text(encoding="utf-8")
        document = read(path)
        if "targets" in document:
            document["targets"].pop(removed, None)
        if "checks" in document:
            document["checks"] = [check for check in document["checks"] if check["competency"] != removed]
        for section in document.get("sections", []):
            section["items"] = [item for item in section["items"] if item.get("competency") != removed]
        write(path, document)

    report = sync(root)
    assert f"framework dgcf: competency {removed}" in report.retired
    competency = db.session.scalar(select(Competency).where(Competency.code == removed))
    assert competency.retired is True  # still there: results refer to it
    assert count(RoleTarget, RoleTarget.competency_id == competency.id) == 0
    assert any(line.startswith("instrument tna-individual: new version 2") for line in report.changed)
    assert not sync(root)

    framework_file.write_text(original, encoding="utf-8")
    for path, text in stash.items():
        path.write_text(text, encoding="utf-8")
    report = sync(root)
    assert "framework dgcf: 1 competency restored" in report.changed
    assert any(line.startswith("instrument tna-individual: new version 3") for line in report.changed)
    db.session.refresh(competency)
    assert competency.retired is False


def test_descriptor_level_area_and_role_changes_are_reported(root):
    sync(root)
    framework_file = root / "frameworks" / "dgcf.yaml"
    data = read(framework_file)
    for competency in data["areas"][0]["competencies"][:3]:
        competency["levels"][2] += " Updated."
    data["areas"].append({"code": "NEW", "name": "A new area", "competencies": [
        {"code": "NEW.ONE", "name": "New one", "levels": {n: f"Level {n}." for n in range(5)}}]})
    write(framework_file, data)
    role_file = root / "roles" / "developer.yaml"
    role = read(role_file)
    role["targets"]["NEW.ONE"] = 2
    role["targets"]["TECH.DEV"] = 1
    write(role_file, role)
    (root / "roles" / "frontline-staff.yaml").unlink()

    report = sync(root)
    assert report.changed == ["framework dgcf: 1 area added, 3 descriptors, 1 competency added",
                              "role profile developer: 2 targets"]
    assert report.retired == ["role profile frontline-staff"]
    assert count(Area, Area.code == "NEW") == 1
    assert db.session.scalar(select(RoleProfile).where(RoleProfile.code == "frontline-staff")).retired

    # The new area leaves again: nothing refers to it once its competency moves elsewhere.
    data["areas"].pop()
    data["areas"][0]["competencies"].append({"code": "NEW.ONE", "name": "New one",
                                             "levels": {n: f"Level {n}." for n in range(5)}})
    write(framework_file, data)
    report = sync(root)
    assert report.changed[0] == "framework dgcf: 1 competency, order of competencies, 1 area removed"
    assert count(Area, Area.code == "NEW") == 0


def test_sync_refuses_to_overwrite_an_imported_framework(root):
    FrameworkFactory(code="dgcf", source="csv")
    result = load_content(root)
    with pytest.raises(ValidationFailed, match="framework dgcf already exists and came from csv"):
        sync_content(db.session, result.content)


def test_bank_checks_become_items_of_the_instrument_with_their_source(root):
    report = sync(root)
    checks = [check for path in (root / "banks").glob("*.yaml") for check in read(path)["checks"]]
    assert "instrument tna-individual: version 1, 6 sections, " \
           f"{6 + 21 + len(checks)} items" in report.added
    individual = db.session.scalar(select(Instrument).where(Instrument.code == "tna-individual"))
    assert individual.form == {"checks_per_level": 1} and individual.practice is False
    organisation = db.session.scalar(select(Instrument).where(Instrument.code == "tna-organisation"))
    assert organisation.form == {} and organisation.practice is False
    assert count(Item, Item.instrument_id == individual.id, Item.kind == "knowledge") == len(checks)
    wanted = next(check for check in checks if check["code"] == "LEAD.CHANGE-k2a")
    item = db.session.scalar(select(Item).where(Item.instrument_id == individual.id,
                                                Item.code == "LEAD.CHANGE-k2a"))
    assert (item.kind, item.level, item.key, item.competency.code) == ("knowledge", 2, wanted["key"],
                                                                      "LEAD.CHANGE")
    assert item.source == wanted["source"] and item.section.code == "lead"
    assert item.options == wanted["options"]
    others = db.session.scalars(select(Item.source).where(Item.kind != "knowledge"))
    assert all(source == {} for source in others)


def test_a_changed_bank_check_or_practice_makes_a_new_version(root):
    sync(root)
    path = root / "banks" / "dgcf-tech.yaml"
    bank = read(path)
    bank["checks"][5]["source"]["title"] += " (2nd edition)"
    write(path, bank)
    report = sync(root)
    assert [line.split(" (")[0] for line in report.changed] == ["instrument tna-individual: new version 2"]
    assert not sync(root)

    instrument_file = root / "instruments" / "tna-individual.yaml"
    data = read(instrument_file)
    data["practice"] = True
    write(instrument_file, data)
    report = sync(root)
    assert [line.split(" (")[0] for line in report.changed] == ["instrument tna-individual: new version 3"]
    v3 = db.session.scalar(select(Instrument).where(Instrument.code == "tna-individual",
                                                    Instrument.current.is_(True)))
    assert (v3.version, v3.practice) == (3, True)
    item = db.session.scalar(select(Item).where(Item.instrument_id == v3.id,
                                                Item.code == bank["checks"][5]["code"]))
    assert item.source["title"].endswith(" (2nd edition)")
