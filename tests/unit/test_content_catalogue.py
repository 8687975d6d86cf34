"""Reading courses/: the bundled catalogue is valid and covers the default framework; every break is
reported with its file and field."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from app.content.catalogue import competency_index, coverage, prerequisite_cycles
from app.content.licences import licence_problem
from app.content.loader import CONTENT_ROOT, DEFAULT_PATH, load_content

pytestmark = pytest.mark.no_db

RESOURCES = "courses/resources"


def read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def edit(root: Path, resource: str, **changes) -> None:
    path = root / RESOURCES / f"{resource}.yaml"
    data = read(path)
    data.update(changes)
    write(path, data)


@pytest.fixture
def root(tmp_path) -> Path:
    """A copy of the content root: assessments/ and courses/."""
    shutil.copytree(DEFAULT_PATH, tmp_path / "assessments",
                    ignore=shutil.ignore_patterns("schema", "examples", "*.md"))
    shutil.copytree(CONTENT_ROOT / "courses", tmp_path / "courses", ignore=shutil.ignore_patterns("*.md"))
    return tmp_path


@pytest.fixture(scope="module")
def bundled():
    result = load_content()
    assert [str(error) for error in result.errors] == []
    return result.content


def messages(root: Path) -> list[str]:
    return [str(error) for error in load_content(root).errors]


def test_the_bundled_catalogue_is_valid_and_large_enough(bundled):
    assert len(bundled.resources) >= 80
    assert len(list((CONTENT_ROOT / RESOURCES).glob("*.yaml"))) == len(bundled.resources)
    for resource in bundled.resources:
        assert resource.licence and resource.languages and resource.competencies, resource.id
        assert all(taught.level_from < taught.level_to for taught in resource.competencies), resource.id
    assert sum(resource.status == "published" for resource in bundled.resources) >= 80


def test_every_competency_of_the_default_framework_is_taught_over_two_level_steps(bundled):
    """Covered at two levels at least: the published resources' ranges together cover at least two of
    the steps 0 → 1, 1 → 2, 2 → 3 and 3 → 4 of each competency of dgcf."""
    dgcf = next(framework for framework in bundled.frameworks if framework.code == "dgcf")
    steps = coverage(bundled.resources, competency_index(bundled.frameworks), "dgcf")
    assert set(steps) == {competency.code for competency in dgcf.competencies()}
    thin = {code: sorted(taught) for code, taught in steps.items() if len(taught) < 2}
    assert thin == {}
    assert all(taught <= {1, 2, 3, 4} for taught in steps.values())


def test_coverage_counts_published_resources_only(root):
    edit(root, "18f-methods", status="retired")
    content = load_content(root).content
    index = competency_index(content.frameworks)
    with_it = coverage([r for r in content.resources if r.id != "18f-methods"], index, "dgcf")
    assert coverage(content.resources, index, "dgcf") == with_it


def test_an_assessments_folder_alone_has_no_catalogue():
    content = load_content(DEFAULT_PATH).content
    assert content.resources is None and not content.summary().endswith("resources")


def test_every_break_is_reported_with_its_file_and_field(root):
    edit(root, "18f-methods", competencies=[{"code": "SERV.NOSUCH", "from": 1, "to": 3},
                                            {"code": "SERV.DESIGN", "from": 1, "to": 3}])
    edit(root, "aidants-connect", licence="CC-BY-4")
    edit(root, "canada-normes-numeriques", languages=["fr", "french"])
    edit(root, "anssi-guide-hygiene-informatique", competencies=[{"code": "TECH.OPS", "from": 2, "to": 2},
                                                                 {"code": "TECH.SEC", "from": 3, "to": 1}])
    edit(root, "atlassian-agile-coach", prerequisites=["no-such-resource"])
    # cnil-guide-rgpd-developpeur needs cnil-mooc-atelier-rgpd; make the course need the guide back.
    edit(root, "cnil-mooc-atelier-rgpd", prerequisites=["cnil-guide-rgpd-developpeur"])
    edit(root, "australian-government-style-manual", rating=5)

    found = messages(root)
    file = f"{RESOURCES}/{{}}.yaml".format
    assert found == [
        f"{file('aidants-connect')}: licence: CC-BY-4 is not in the SPDX License List: give an SPDX id such "
        "as CC-BY-4.0 or OGL-UK-3.0, LicenseRef-<name> for a licence SPDX does not list, or free-access for "
        "material that is free to use but not openly licensed",
        f"{file('australian-government-style-manual')}: rating: unknown field",
        f"{file('canada-normes-numeriques')}: languages[1]: 'french' is not a BCP 47 language tag such as "
        "en, fr, ar or pt-BR",
        f"{file('18f-methods')}: competencies[0].code: no competency SERV.NOSUCH in framework dgcf",
        f"{file('anssi-guide-hygiene-informatique')}: competencies[0].to: to (2) must be above from (2): the "
        "level it reaches",
        f"{file('anssi-guide-hygiene-informatique')}: competencies[1].to: to (1) must be above from (3): the "
        "level it reaches",
        f"{file('atlassian-agile-coach')}: prerequisites[0]: no resource with id no-such-resource "
        "(resources/no-such-resource.yaml)",
        f"{file('cnil-guide-rgpd-developpeur')}: prerequisites: prerequisites go round in a circle: "
        "cnil-guide-rgpd-developpeur → cnil-mooc-atelier-rgpd → cnil-guide-rgpd-developpeur",
    ]


def test_rules_on_ids_addresses_levels_and_dates(root):
    (root / RESOURCES / "18f-methods.yaml").rename(root / RESOURCES / "methods.yaml")
    duplicate = read(root / RESOURCES / "aidants-connect.yaml")["url"]
    edit(root, "atlassian-agile-coach", url=duplicate.replace("https://", "http://"),
         competencies=[{"code": "DELIV.AGILE", "from": 0, "to": 5},
                       {"code": "DELIV.AGILE", "from": 1, "to": 2}],
         prerequisites=["atlassian-agile-coach"], reviewed={"date": date(2999, 1, 1), "by": "Someone"})
    found = messages(root)
    coach = f"{RESOURCES}/atlassian-agile-coach.yaml"
    assert found == [
        f"{RESOURCES}/methods.yaml: id: id 18f-methods must match the file name (18f-methods.yaml)",
        f"{coach}: competencies[0].to: level 5 is not on the scale of dgcf (0–4)",
        f"{coach}: competencies[1].code: DELIV.AGILE is also given in competencies[0]",
        f"{coach}: prerequisites[0]: a resource cannot be its own prerequisite",
        f"{coach}: reviewed.date: 2999-01-01 is in the future (today is {date.today().isoformat()})",
        f"{coach}: url: the same address as {RESOURCES}/aidants-connect.yaml",
    ]


def test_every_key_is_required_and_types_are_strict(root):
    path = root / RESOURCES / "18f-methods.yaml"
    data = read(path)
    del data["offline"], data["accessibility"]["captions"]
    data.update(id="18F Methods", hours=0, certificate="yes", format="website", url="methods.18f.gov",
                description="   ")
    write(path, data)
    found = [m.removeprefix(f"{RESOURCES}/18f-methods.yaml: ") for m in messages(root)]
    assert found == [
        "id: '18F Methods': lower-case letters, digits and - only, e.g. gds-service-manual",
        "url: 'methods.18f.gov' is not a web address: give the full address, starting with https://",
        "format: Input should be 'course', 'video', 'guide', 'toolkit', 'community' or 'book'",
        "hours: Input should be greater than 0",
        "certificate: Input should be a valid boolean",
        "accessibility.captions: required field is missing",
        "offline: required field is missing",
        "description: String should have at least 1 character",
    ]


def test_a_broken_file_adds_no_errors_to_the_files_that_refer_to_it(root):
    (root / RESOURCES / "cnil-mooc-atelier-rgpd.yaml").write_text("id: cnil-mooc-atelier-rgpd\ntitle: [x\n",
                                                                  encoding="utf-8")
    found = messages(root)
    assert len(found) == 1 and found[0].startswith(f"{RESOURCES}/cnil-mooc-atelier-rgpd.yaml: line 3")


def test_an_unreadable_framework_adds_no_unknown_competencies(root):
    (root / "assessments" / "frameworks" / "dgcf.yaml").write_text("code: dgcf\nname: x\n", encoding="utf-8")
    assert all(m.startswith("assessments/frameworks/dgcf.yaml: ") for m in messages(root))


def test_a_code_in_two_frameworks_needs_its_framework(root):
    framework = read(root / "assessments" / "frameworks" / "dgcf.yaml")
    framework.update(code="other", name="Another framework")
    write(root / "assessments" / "frameworks" / "other.yaml", framework)
    found = messages(root)
    assert f"{RESOURCES}/18f-methods.yaml: competencies[0].code: SERV.DESIGN is in more than one framework " \
           "(dgcf, other): write FRAMEWORK/SERV.DESIGN" in found
    for path in (root / RESOURCES).glob("*.yaml"):
        data = read(path)
        for taught in data["competencies"]:
            taught["code"] = f"dgcf/{taught['code']}"
        write(path, data)
    assert messages(root) == []
    edit(root, "18f-methods", competencies=[{"code": "nosuch/SERV.DESIGN", "from": 1, "to": 3}])
    assert messages(root) == [f"{RESOURCES}/18f-methods.yaml: competencies[0].code: no competency "
                              "SERV.DESIGN in framework nosuch"]


@pytest.mark.parametrize(("licence", "problem"), [
    ("CC-BY-4.0", None), ("OGL-UK-3.0", None), ("etalab-2.0", None), ("W3C-20150513", None),
    ("free-access", None), ("LicenseRef-Etalab-1.0", None),
    ("cc-by-4.0", "cc-by-4.0 is spelt CC-BY-4.0 in the SPDX License List: write CC-BY-4.0"),
    ("GPL-2.0+", "GPL-2.0+ is spelt GPL-2.0-or-later in the SPDX License List: write GPL-2.0-or-later"),
    ("Free-Access", "write free-access in lower case"),
    ("LicenseRef-my licence", "a LicenseRef- id is LicenseRef- followed by letters, digits, '.' and '-' "
                              "only, e.g. LicenseRef-Etalab-1.0"),
    ("Classpath-exception-2.0", "Classpath-exception-2.0 is not in the SPDX License List: give an SPDX id"),
])
def test_licences_are_checked_against_the_spdx_list(licence, problem):
    found = licence_problem(licence)
    assert found == problem if problem is None else found.startswith(problem)


@pytest.mark.parametrize(("tag", "problem"), [
    ("en", None), ("pt-BR", None), ("zh-Hant", None), ("es-419", None), ("sr-Latn-RS", None),
    ("EN", "write en: language in lower case"), ("pt-br", "write pt-BR"),
    ("eng", "'eng': eng is not a language code"), ("english", "'english' is not a BCP 47 language tag"),
    ("fr_FR", "'fr_FR' is not a BCP 47 language tag"),
])
def test_language_tags(root, tag, problem):
    edit(root, "18f-methods", languages=[tag])
    found = messages(root)
    if problem is None:
        assert found == []
    else:
        [message] = found
        assert message.startswith(f"{RESOURCES}/18f-methods.yaml: languages[0]: {problem}")


def test_prerequisite_cycles_are_found_once_each():
    graph = {"a": ["b"], "b": ["c"], "c": ["a", "x"], "d": ["d", "e"], "e": ["d"], "f": ["a"]}
    assert prerequisite_cycles(graph) == [["a", "b", "c"], ["d", "e"]]
    assert prerequisite_cycles({"a": ["b"], "b": []}) == []
