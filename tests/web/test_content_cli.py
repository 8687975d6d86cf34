"""flask content validate|sync|schema and flask frameworks import|list, through the CLI runner."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from app.content.loader import CONTENT_ROOT, DEFAULT_PATH
from app.extensions import db
from app.models import Competency, Framework, Instrument, Resource, RoleProfile
from tests.factories import ResourceFactory

EXAMPLE = DEFAULT_PATH / "examples" / "framework.csv"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def broken(tmp_path) -> Path:
    """A copy of the bundled content with five different breaks, in four files."""
    root = tmp_path / "assessments"
    shutil.copytree(DEFAULT_PATH, root, ignore=shutil.ignore_patterns("schema", "examples", "*.md"))
    framework_file = root / "frameworks" / "dgcf.yaml"
    framework = yaml.safe_load(framework_file.read_text(encoding="utf-8"))
    framework["areas"][1]["competencies"][0]["owner"] = "someone"
    del framework["areas"][3]["competencies"][2]["levels"][4]
    framework_file.write_text(yaml.safe_dump(framework, allow_unicode=True, sort_keys=False),
                              encoding="utf-8")
    role_file = root / "roles" / "policy-officer.yaml"
    role_file.write_text(role_file.read_text(encoding="utf-8") + "  LEAD.TYPO: 2\n", encoding="utf-8")
    bank_file = root / "banks" / "dgcf-data.yaml"
    text = bank_file.read_text(encoding="utf-8")
    bank_file.write_text(text.replace("key: b\n", "key: q\n", 1), encoding="utf-8")
    (root / "roles" / "developer.yaml").write_text("code: developer\n  name: Developer\n", encoding="utf-8")
    return root


@pytest.fixture
def broken_catalogue(tmp_path) -> Path:
    """A copy of the content root whose catalogue has seven different breaks, in seven files."""
    shutil.copytree(DEFAULT_PATH, tmp_path / "assessments",
                    ignore=shutil.ignore_patterns("schema", "examples", "*.md"))
    resources = tmp_path / "courses" / "resources"
    shutil.copytree(CONTENT_ROOT / "courses" / "resources", resources)
    breaks = {
        "18f-methods": ("{code: SERV.DESIGN,", "{code: SERV.DESIGNS,"),
        "aidants-connect": ("licence: free-access", "licence: Free"),
        "canada-normes-numeriques": ("languages: [fr]", "languages: [fr-ca-x]"),
        "anssi-guide-hygiene-informatique": ("{code: TECH.OPS, from: 1,", "{code: TECH.OPS, from: 2,"),
        "atlassian-agile-coach": ("prerequisites: []", "prerequisites: [agile-manifesto]"),
        "cnil-mooc-atelier-rgpd": ("prerequisites: []", "prerequisites: [cnil-guide-rgpd-developpeur]"),
        "australian-government-style-manual": ("offline: false\n", "offline: false\nrating: 5\n"),
    }
    for name, (old, new) in breaks.items():
        path = resources / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_validate_passes_on_the_bundled_content(runner):
    result = runner.invoke(args=["content", "validate"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    match = re.fullmatch(r"OK: 1 frameworks, \d+ role profiles, 2 instruments, 5 item banks "
                         r"\((\d+) checks\), (\d+) resources", lines[0])
    assert match and int(match.group(1)) >= 21 * 4 * 3 and int(match.group(2)) >= 80
    # The bank report: every competency and level has three checks or more, and the key is rarely the
    # longest option.
    match = re.fullmatch(r"dgcf: (\d+) knowledge checks = 21 competencies × 4 levels × (\d+)(–\d+)? checks; "
                         r"the key is the longest option in \d+ \((\d+) %\), the shortest in \d+ \(\d+ %\)",
                         lines[1])
    assert match, lines[1]
    assert int(match.group(2)) >= 3 and int(match.group(4)) <= 30
    assert re.fullmatch(r"  LEAD\.CHANGE +L1 \d+  L2 \d+  L3 \d+  L4 \d+", lines[2])
    assert len([line for line in lines if re.match(r"  [A-Z]+\.[A-Z]+ +L1 ", line)]) == 21
    assert not [line for line in lines if line.startswith("warning:")]
    assert lines[-1] == "dgcf: 21 of 21 competencies taught over two level steps or more"


def test_validate_an_assessments_folder_alone_reads_no_catalogue(runner):
    result = runner.invoke(args=["content", "validate", "--path", str(DEFAULT_PATH)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(r"OK: 1 frameworks, \d+ role profiles, 2 instruments, 5 item banks \(\d+ checks\)",
                        lines[0])
    assert lines[1].startswith("dgcf: ") and "taught" not in result.output


def test_validate_warns_about_weak_checks_but_passes(runner, tmp_path):
    root = tmp_path / "assessments"
    shutil.copytree(DEFAULT_PATH, root, ignore=shutil.ignore_patterns("schema", "examples", "*.md"))
    path = root / "banks" / "dgcf-deliv.yaml"
    bank = yaml.safe_load(path.read_text(encoding="utf-8"))
    for check in bank["checks"][:12]:  # a third of the bank: the key becomes the longest option
        key = next(option for option in check["options"] if option["value"] == check["key"])
        key["label"] += ", which is also the longest answer of all by some way"
    twin = bank["checks"][12]["options"]
    twin[1]["label"] = twin[0]["label"]
    removed = bank["checks"].pop()
    path.write_text(yaml.safe_dump(bank, allow_unicode=True, sort_keys=False), encoding="utf-8")

    result = runner.invoke(args=["content", "validate", "--path", str(root)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert warnings[0].startswith("warning: banks/dgcf-deliv.yaml: the key is the longest option in 34 % of "
                                  "the checks (12 of 35; keep it at 30 % or less): ")
    assert f"warning: banks/dgcf-deliv.yaml: {bank['checks'][12]['code']}: options " \
           f"{twin[0]['value']}, {twin[1]['value']} have the same label" in warnings
    thin = f"warning: dgcf: {removed['competency']} level {removed['level']}: 2 checks (fewer than 3)"
    assert thin in warnings
    assert len(warnings) == 3, warnings


def test_validate_reports_every_break_with_file_and_field(runner, broken):
    result = runner.invoke(args=["content", "validate", "--path", str(broken)])
    assert result.exit_code == 1
    output = result.output
    assert "frameworks/dgcf.yaml: areas[1].competencies[0].owner: unknown field" in output
    assert "frameworks/dgcf.yaml: areas[3].competencies[2].levels.4: no descriptor for level 4 " \
           "(Expert)" in output
    assert "roles/policy-officer.yaml: targets.LEAD.TYPO: no competency LEAD.TYPO in framework dgcf" in output
    assert re.search(r"banks/dgcf-data\.yaml: checks\[\d+\]\.key: key 'q' is not the value of one of the "
                     r"options", output)
    assert re.search(r"roles/developer\.yaml: line 2, column \d+: YAML syntax error", output)
    assert "Error: 5 error(s)" in output


def test_sync_twice_then_nothing_changed(runner):
    first = runner.invoke(args=["content", "sync"])
    assert first.exit_code == 0, first.output
    assert "added    framework dgcf: 5 areas, 21 competencies, 5 levels" in first.output
    assert "added    instrument tna-individual: version 1" in first.output
    second = runner.invoke(args=["content", "sync"])
    assert second.exit_code == 0 and second.output == "Nothing changed.\n"
    assert count(Instrument, Instrument.code == "tna-individual") == 1


def test_sync_writes_nothing_when_anything_is_wrong(runner, broken):
    before = (count(Framework), count(RoleProfile), count(Instrument))
    result = runner.invoke(args=["content", "sync", "--path", str(broken)])
    assert result.exit_code == 1
    assert "no descriptor for level 4" in result.output and "added" not in result.output
    assert (count(Framework), count(RoleProfile), count(Instrument)) == before


def test_validate_reports_every_break_of_the_catalogue_with_file_and_field(runner, broken_catalogue):
    result = runner.invoke(args=["content", "validate", "--path", str(broken_catalogue)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    expected = [
        "18f-methods.yaml: competencies[0].code: no competency SERV.DESIGNS in framework dgcf",
        "aidants-connect.yaml: licence: Free is not in the SPDX License List",
        "canada-normes-numeriques.yaml: languages[0]: 'fr-ca-x' is not a BCP 47 language tag",
        "anssi-guide-hygiene-informatique.yaml: competencies[0].to: to (2) must be above from (2)",
        "atlassian-agile-coach.yaml: prerequisites[0]: no resource with id agile-manifesto",
        "cnil-guide-rgpd-developpeur.yaml: prerequisites: prerequisites go round in a circle: "
        "cnil-guide-rgpd-developpeur → cnil-mooc-atelier-rgpd → cnil-guide-rgpd-developpeur",
        "australian-government-style-manual.yaml: rating: unknown field",
    ]
    for message in expected:
        assert any(line.startswith(f"courses/resources/{message}") for line in lines), (message, lines)
    assert lines[-1].endswith(f"Error: 7 error(s) in {broken_catalogue}")


def test_sync_writes_nothing_when_the_catalogue_is_wrong(runner, broken_catalogue):
    result = runner.invoke(args=["content", "sync", "--path", str(broken_catalogue)])
    assert result.exit_code == 1 and "added" not in result.output
    assert (count(Framework), count(Resource)) == (0, 0)


def test_sync_retires_a_removed_file_but_not_an_app_made_resource_then_export(runner, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_PATH, root / "assessments", ignore=shutil.ignore_patterns("schema", "examples"))
    shutil.copytree(CONTENT_ROOT / "courses", root / "courses")
    first = runner.invoke(args=["content", "sync", "--path", str(root)])
    assert first.exit_code == 0, first.output
    assert "added    resource 18f-methods: 2 competencies" in first.output.splitlines()
    made = ResourceFactory(code="made-in-the-app", description="Suggested and published.")
    (root / "courses" / "resources" / "18f-methods.yaml").unlink()
    second = runner.invoke(args=["content", "sync", "--path", str(root)])
    assert second.output == "retired  resource 18f-methods (its file is gone)\n"
    assert runner.invoke(args=["content", "sync", "--path", str(root)]).output == "Nothing changed.\n"
    assert db.session.get(Resource, made.id).status == "published"

    out = tmp_path / "out"
    result = runner.invoke(args=["content", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    total = count(Resource)
    assert result.output.splitlines()[-1] == f"{total} resources in {out}: {total} written, 0 unchanged"
    assert "status: retired\n" in (out / "18f-methods.yaml").read_text(encoding="utf-8")
    assert (out / "made-in-the-app.yaml").is_file()
    assert "warning: made-in-the-app.yaml: competencies: List should have at least 1 item" in result.output
    again = runner.invoke(args=["content", "export", "--out", str(out)])
    assert again.output.splitlines()[-1] == f"{total} resources in {out}: 0 written, {total} unchanged"


def test_schema_writes_the_four_schemas_and_the_committed_ones_are_current(runner, tmp_path):
    result = runner.invoke(args=["content", "schema", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    names = ("framework.schema.json", "role-profile.schema.json", "instrument.schema.json",
             "item-bank.schema.json")
    for name in names:
        schema = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        assert schema["additionalProperties"] is False and "code" in schema["required"]
        committed = DEFAULT_PATH / "schema" / name
        assert committed.read_text(encoding="utf-8") == (tmp_path / name).read_text(encoding="utf-8"), \
            f"assessments/schema/{name} is out of date: run flask content schema"
    instrument = json.loads((tmp_path / "instrument.schema.json").read_text(encoding="utf-8"))
    assert set(instrument["$defs"]) >= {"KnowledgeItem", "SelfRatingItem", "ContextItem", "MaturityItem",
                                        "FormModel"}
    bank = json.loads((tmp_path / "item-bank.schema.json").read_text(encoding="utf-8"))
    assert bank["required"] == ["code", "framework", "checks"]
    assert "source" in bank["$defs"]["BankCheck"]["required"]


def test_frameworks_import_csv_then_list(runner):
    result = runner.invoke(args=["frameworks", "import", str(EXAMPLE), "--code", "open-data",
                                 "--name", "Open data publishing", "--licence", "CC-BY-4.0"])
    assert result.exit_code == 0, result.output
    assert "added    framework open-data: 2 areas, 5 competencies, 5 levels" in result.output
    again = runner.invoke(args=["frameworks", "import", str(EXAMPLE), "--code", "open-data",
                                "--name", "Open data publishing", "--licence", "CC-BY-4.0"])
    assert again.output == "framework open-data: nothing changed.\n"

    listing = runner.invoke(args=["frameworks", "list"])
    assert listing.exit_code == 0
    line = next(line for line in listing.output.splitlines() if line.startswith("open-data "))
    assert line.split()[:6] == ["open-data", "1.0", "2", "5", "5", "csv"]
    assert line.endswith("Open data publishing")


def test_frameworks_import_refuses_a_bad_file_and_writes_nothing(runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("area_code;area_name;code;name;level_0;level_1\nA;Area;A.ONE;;none;\n", encoding="utf-8")
    before = count(Framework)
    result = runner.invoke(args=["frameworks", "import", str(bad)])
    assert result.exit_code == 1
    assert "bad.csv: row 2, column name: empty" in result.output
    assert "bad.csv: row 2, column level_1:Awareness: empty descriptor" in result.output
    assert "nothing was imported" in result.output
    assert count(Framework) == before

    package = tmp_path / "package.json"
    package.write_text('{"CFDocument": {"identifier": "d", "title": "T"}, "CFItems": [', encoding="utf-8")
    result = runner.invoke(args=["frameworks", "import", str(package)])
    assert result.exit_code == 1 and "package.json: not valid JSON: line 1" in result.output
    assert count(Framework) == before


def test_frameworks_import_a_case_package_and_refuse_a_taken_code(runner, tmp_path):
    package = tmp_path / "skills.json"
    package.write_text(json.dumps({"CFPackage": {
        "CFDocument": {"identifier": "doc-1", "title": "Team skills", "version": "2024"},
        "CFItems": [{"identifier": "i-1", "fullStatement": "Working together", "humanCodingScheme": "T"},
                    {"identifier": "i-2", "fullStatement": "Runs a retrospective",
                     "humanCodingScheme": "T.1"}],
        "CFAssociations": [{"associationType": "isChildOf", "originNodeURI": {"identifier": "i-2"},
                            "destinationNodeURI": {"identifier": "i-1"}}]}}), encoding="utf-8")
    result = runner.invoke(args=["frameworks", "import", str(package)])
    assert result.exit_code == 0, result.output
    assert "added    framework team-skills: 1 area, 1 competency, 5 levels" in result.output
    competency = db.session.scalar(select(Competency).where(Competency.code == "T.1"))
    assert competency.identifier == "i-2" and competency.framework.source == "case"

    runner.invoke(args=["content", "sync"])
    taken = runner.invoke(args=["frameworks", "import", str(package), "--code", "dgcf"])
    assert taken.exit_code == 1
    assert "framework dgcf already exists and came from content, not case" in taken.output
