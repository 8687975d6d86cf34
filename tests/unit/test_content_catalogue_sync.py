"""Syncing courses/: resources upserted by id with what they teach, in the same transaction as the
assessments; a removed file retires its resource; resources made in the app are left alone."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from app.content.loader import CONTENT_ROOT, DEFAULT_PATH, load_content
from app.content.sync import sync_content
from app.extensions import db
from app.models import Competency, Framework, Resource, ResourceCompetency
from app.services.catalogue import normalise_url
from tests.factories import ResourceFactory

RESOURCES = "courses/resources"


def read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def root(tmp_path) -> Path:
    shutil.copytree(DEFAULT_PATH, tmp_path / "assessments",
                    ignore=shutil.ignore_patterns("schema", "examples", "*.md"))
    shutil.copytree(CONTENT_ROOT / "courses", tmp_path / "courses", ignore=shutil.ignore_patterns("*.md"))
    return tmp_path


def sync(path: Path):
    result = load_content(path)
    assert result.errors == []
    report = sync_content(db.session, result.content)
    db.session.flush()
    return report


def resource(code: str) -> Resource:
    return db.session.scalar(select(Resource).where(Resource.code == code))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_sync_writes_every_resource_and_a_second_run_changes_nothing(root):
    files = sorted(path.stem for path in (root / RESOURCES).glob("*.yaml"))
    first = sync(root)
    assert "resource 18f-methods: 2 competencies" in first.added
    assert "framework dgcf: 5 areas, 21 competencies, 5 levels" in first.added
    assert count(Resource, Resource.source == "content") == len(files) >= 80

    methods = resource("18f-methods")
    data = read(root / RESOURCES / "18f-methods.yaml")
    assert (methods.title, methods.url, methods.licence, methods.languages) == (
        data["title"], data["url"], data["licence"], data["languages"])
    assert methods.normalised_url == normalise_url(data["url"]) == "methods.18f.gov"
    assert (methods.hours, methods.reviewed_on, methods.status) == (4.0, date(2026, 11, 22), "published")
    assert methods.accessibility == {"captions": False, "transcript": False, "screen_reader": True}
    assert methods.description == data["description"].strip()
    taught = {(row.competency.code, row.level_from, row.level_to) for row in methods.teaches}
    assert taught == {(t["code"], t["from"], t["to"]) for t in data["competencies"]}
    assert {row.competency.framework.code for row in methods.teaches} == {"dgcf"}

    second = sync(root)
    assert not second and second.lines() == []


def test_changes_are_reported_by_field_and_competencies_follow_the_file(root):
    sync(root)
    path = root / RESOURCES / "18f-methods.yaml"
    data = read(path)
    data.update(title="18F Methods (cards)", hours=5, languages=["en", "es"])
    data["reviewed"] = {"date": date(2026, 11, 1), "by": "A curator"}
    data["competencies"] = [{"code": "SERV.DESIGN", "from": 2, "to": 4},
                            {"code": "SERV.ACCESS", "from": 0, "to": 1}]
    write(path, data)
    report = sync(root)
    assert report.changed == ["resource 18f-methods: title, languages, hours, reviewed, competencies"]
    methods = resource("18f-methods")
    assert sorted((row.competency.code, row.level_from, row.level_to) for row in methods.teaches) == [
        ("SERV.ACCESS", 0, 1), ("SERV.DESIGN", 2, 4)]
    assert count(ResourceCompetency, ResourceCompetency.resource_id == methods.id) == 2
    assert not sync(root)


def test_a_removed_file_retires_its_resource_and_it_comes_back_with_its_file(root):
    sync(root)
    path = root / RESOURCES / "18f-methods.yaml"
    text = path.read_text(encoding="utf-8")
    path.unlink()
    report = sync(root)
    assert report.lines() == ["retired  resource 18f-methods (its file is gone)"]
    methods = resource("18f-methods")
    assert methods.status == "retired" and methods.teaches  # kept, with what it teaches
    assert not sync(root)

    path.write_text(text, encoding="utf-8")
    assert sync(root).lines() == ["changed  resource 18f-methods: restored"]
    assert resource("18f-methods").status == "published"


def test_a_file_can_retire_its_resource(root):
    sync(root)
    path = root / RESOURCES / "18f-methods.yaml"
    write(path, {**read(path), "status": "retired"})
    assert sync(root).lines() == ["retired  resource 18f-methods"]
    assert resource("18f-methods").status == "retired"


def test_resources_made_in_the_app_are_left_alone(root):
    sync(root)
    competency = db.session.scalar(select(Competency).where(Competency.code == "DATA.LIT"))
    made = ResourceFactory(code="suggested-course", teaches={competency: (0, 2)})
    assert made.source == "ui"
    (root / RESOURCES / "aidants-connect.yaml").unlink()
    report = sync(root)
    assert report.lines() == ["retired  resource aidants-connect (its file is gone)"]
    db.session.refresh(made)
    assert (made.status, made.source) == ("published", "ui")
    assert [(row.level_from, row.level_to) for row in made.teaches] == [(0, 2)]


def test_an_app_made_resource_whose_file_is_committed_is_then_kept_in_its_file(root):
    sync(root)
    methods = resource("18f-methods")
    methods.source = "ui"  # as if it had been made in the app, exported and committed
    db.session.flush()
    assert sync(root).changed == ["resource 18f-methods: now kept in its file"]
    assert resource("18f-methods").source == "content"


def test_an_assessments_folder_alone_leaves_the_resources_alone(root):
    sync(root)
    report = sync(root / "assessments")
    assert not report
    assert count(Resource, Resource.status == "retired") == 0


def test_resources_are_written_in_the_same_transaction_as_the_assessments(root):
    result = load_content(root)
    assert sync_content(db.session, result.content)
    db.session.rollback()  # the caller commits once, or rolls everything back
    assert (count(Resource), count(Framework)) == (0, 0)
