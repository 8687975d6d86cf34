"""flask content export's writer: the catalogue back to YAML in the canonical form, byte for byte."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from app.content.catalogue import ResourceModel
from app.content.export import export_resources, literal, quoted, scalar
from app.content.loader import CONTENT_ROOT, DEFAULT_PATH, load_content
from app.content.sync import sync_content
from app.extensions import db
from app.models import Competency, Resource
from tests.factories import AreaFactory, CompetencyFactory, FrameworkFactory, ResourceFactory

BUNDLED = CONTENT_ROOT / "courses" / "resources"


def sync(path: Path | None = None):
    result = load_content(path)
    assert result.errors == []
    report = sync_content(db.session, result.content)
    db.session.flush()
    return report


def competency(code: str) -> Competency:
    return db.session.scalar(select(Competency).where(Competency.code == code))


def test_export_after_a_sync_gives_back_the_bundled_files_byte_for_byte(tmp_path):
    sync()
    report = export_resources(db.session, tmp_path)
    assert report.warnings == [] and report.unchanged == []
    bundled = sorted(BUNDLED.glob("*.yaml"))
    assert sorted(path.name for path in report.written) == [path.name for path in bundled]
    different = [path.name for path in bundled if path.read_bytes() != (tmp_path / path.name).read_bytes()]
    assert different == [], "not in the canonical form of courses/README.md: run flask content export"

    again = export_resources(db.session, tmp_path)
    assert again.written == [] and len(again.unchanged) == len(bundled)


def test_app_made_and_retired_resources_are_exported_and_read_back_the_same(tmp_path):
    sync()
    made = ResourceFactory(
        code="2048", title='The "open" course: data & you', provider="Ministère #1, Zoë's team",
        url="https://example.org/course?id=3&lang=fr#start", licence="LicenseRef-Custom-1.0",
        languages=["fr", "ar", "pt-BR"], format="video", hours=1.5, cost="paid", certificate=True,
        prerequisites=["18f-methods"], accessibility={"captions": True, "transcript": False,
                                                      "screen_reader": True},
        offline=True, description="First line: *Markdown*.\n\n- a list   \n- [x] done",
        reviewed_on=date(2026, 1, 31), reviewed_by="Curators, team: data",
        teaches={competency("DATA.LIT"): (0, 2), competency("LEAD.CHANGE"): (1, 3)})
    resource = db.session.scalar(select(Resource).where(Resource.code == "18f-methods"))
    resource.status = "retired"
    db.session.flush()

    export_resources(db.session, tmp_path)
    text = (tmp_path / "2048.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[:4] == ['id: "2048"', 'title: "The \\"open\\" course: data & you"',
                                     "provider: \"Ministère #1, Zoë's team\"",
                                     "url: https://example.org/course?id=3&lang=fr#start"]
    assert "  - {code: LEAD.CHANGE, from: 1, to: 3}\n  - {code: DATA.LIT, from: 0, to: 2}\n" in text
    assert 'hours: 1.5\n' in text and 'reviewed: {date: 2026-01-31, by: "Curators, team: data"}\n' in text
    assert "status: retired\n" in (tmp_path / "18f-methods.yaml").read_text(encoding="utf-8")

    data = ResourceModel.model_validate(yaml.safe_load(text))
    assert (data.id, data.title, data.provider, data.url, data.hours) == (
        made.code, made.title, made.provider, made.url, 1.5)
    assert data.description == made.description and data.reviewed.by == made.reviewed_by

    # Committed and synced, the exported file changes nothing but where the resource is kept.
    root = tmp_path / "root"
    shutil.copytree(DEFAULT_PATH, root / "assessments", ignore=shutil.ignore_patterns("schema", "examples"))
    shutil.copytree(tmp_path, root / "courses" / "resources", ignore=shutil.ignore_patterns("root"))
    report = sync(root)
    assert report.lines() == ["changed  resource 2048: now kept in its file"]


def test_a_resource_that_would_not_validate_is_written_with_a_warning(tmp_path):
    sync()
    ResourceFactory(code="bare", description="", teaches={competency("DATA.LIT"): (0, 1)})
    report = export_resources(db.session, tmp_path)
    assert report.warnings == ["bare.yaml: description: String should have at least 1 character"]
    assert 'description: ""\n' in (tmp_path / "bare.yaml").read_text(encoding="utf-8")


def test_a_code_in_two_frameworks_is_exported_with_its_framework(tmp_path):
    sync()
    other = FrameworkFactory(code="other")
    CompetencyFactory(code="DATA.LIT", area=AreaFactory(framework=other), framework=other)
    ResourceFactory(code="both", description="Two frameworks.", teaches={competency("DATA.LIT"): (0, 1)})
    export_resources(db.session, tmp_path)
    text = (tmp_path / "both.yaml").read_text(encoding="utf-8")
    assert "  - {code: dgcf/DATA.LIT, from: 0, to: 1}\n" in text


@pytest.mark.parametrize("value", ["plain text", "yes", "1.0", "2026-11-22", "null", "a: b", "#tag", "- x",
                                   "x, y", "{x}", "trailing ", 'say "hi"', "back\\slash", "tab\there",
                                   "line\nbreak", "\u2028", "é"])
def test_scalars_read_back_as_the_same_text(value):
    for text in (scalar(value), quoted(value)):
        assert yaml.safe_load(f"k: {text}\n") == {"k": value}, text
    assert yaml.safe_load(f"k: [{scalar(value, flow=True)}]\n") == {"k": [value]}


@pytest.mark.parametrize("text", ["One line.", "Two\n\nparagraphs.", "Trailing spaces   \nkept",
                                  "Windows\r\nline ends", "  indented first line"])
def test_descriptions_read_back_as_the_same_text(text):
    assert yaml.safe_load(f"k:{literal(text)}\n")["k"].removesuffix("\n") == text
