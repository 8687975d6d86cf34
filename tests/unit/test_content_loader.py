"""Reading assessments/: the bundled content is complete and valid; every break is reported where it is."""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import pytest

from app.content.loader import MAX_ERRORS_PER_FILE, field_path, load_content
from tests.unit.content_files import read, write

pytestmark = pytest.mark.no_db


def test_the_bundled_content_is_valid(bundled):
    assert bundled.summary().startswith("1 frameworks, ")
    assert {i.code for i in bundled.instruments} >= {"tna-individual", "tna-organisation"}


def test_the_default_framework_is_complete(bundled):
    dgcf = next(fw for fw in bundled.frameworks if fw.code == "dgcf")
    assert [(level.level, level.name) for level in dgcf.scale] == [
        (0, "None"), (1, "Awareness"), (2, "Working"), (3, "Practitioner"), (4, "Expert")]
    assert len(dgcf.areas) >= 5
    competencies = dgcf.competencies()
    assert len(competencies) >= 20
    for competency in competencies:
        assert sorted(competency.levels) == [0, 1, 2, 3, 4], competency.code
        assert all(text.strip() for text in competency.levels.values())
    assert len([role for role in bundled.roles if role.framework == "dgcf"]) >= 8


def test_the_individual_instrument_covers_every_competency(bundled):
    dgcf = next(fw for fw in bundled.frameworks if fw.code == "dgcf")
    instrument = next(i for i in bundled.instruments if i.code == "tna-individual")
    self_ratings: Counter = Counter()
    knowledge_levels: dict[str, set[int]] = defaultdict(set)
    knowledge_counts: Counter = Counter()
    for item in instrument.items():
        if item.kind == "self_rating":
            self_ratings[item.competency] += 1
        elif item.kind == "knowledge":
            knowledge_levels[item.competency].add(item.level)
            knowledge_counts[item.competency] += 1
            assert item.explanation.strip()
    for competency in dgcf.competencies():
        assert self_ratings[competency.code] == 1, competency.code
        assert knowledge_counts[competency.code] >= 2, competency.code
        assert len(knowledge_levels[competency.code]) >= 2, f"{competency.code}: levels must differ"
    assert len([item for item in instrument.items() if item.kind == "context"]) >= 5


def test_the_organisation_instrument_scores_every_dimension(bundled):
    instrument = next(i for i in bundled.instruments if i.code == "tna-organisation")
    assert instrument.kind == "organisation"
    dimensions = {item.dimension for item in instrument.items() if item.kind == "maturity"}
    assert dimensions == {"strategy", "leadership", "budget", "data_governance", "infrastructure", "staffing"}


def test_every_break_is_reported_with_its_file_and_field(content_copy):
    framework_file = content_copy / "frameworks" / "dgcf.yaml"
    framework = read(framework_file)
    framework["areas"][0]["competencies"][1]["colour"] = "red"  # unknown field
    missing = framework["areas"][2]["competencies"][0]
    del missing["levels"][3]  # missing descriptor
    write(framework_file, framework)

    role_file = content_copy / "roles" / "data-analyst.yaml"
    role = read(role_file)
    role["targets"]["DATA.NOSUCH"] = 2  # a competency the framework does not have
    write(role_file, role)

    bank_file = content_copy / "banks" / "dgcf-serv.yaml"
    bank = read(bank_file)
    bank["checks"][2]["key"] = "z"  # not one of the options
    write(bank_file, bank)

    broken_yaml = content_copy / "roles" / "developer.yaml"
    broken_yaml.write_text("code: developer\nname: [Developer\ntargets:\n  TECH.DEV: 3\n", encoding="utf-8")

    result = load_content(content_copy)
    messages = [str(error) for error in result.errors]
    expected = [
        "frameworks/dgcf.yaml: areas[0].competencies[1].colour: unknown field",
        "frameworks/dgcf.yaml: areas[2].competencies[0].levels.3: no descriptor for level 3 (Practitioner)",
        "roles/data-analyst.yaml: targets.DATA.NOSUCH: no competency DATA.NOSUCH in framework dgcf",
        "banks/dgcf-serv.yaml: checks[2].key: key 'z' is not the value of one of the options",
    ]
    for message in expected:
        assert any(m.startswith(message) for m in messages), (message, messages)
    syntax = [e for e in result.errors if e.file == "roles/developer.yaml"]
    assert len(syntax) == 1 and syntax[0].field.startswith("line ")
    assert "YAML syntax error" in syntax[0].reason
    assert len(result.errors) == 5, messages


def test_rules_are_checked_once_the_structure_is_right(content_copy):
    framework_file = content_copy / "frameworks" / "dgcf.yaml"
    framework = read(framework_file)
    del framework["areas"][2]["competencies"][0]["levels"][3]
    framework["areas"][1]["competencies"][0]["levels"][7] = "Beyond the scale."
    framework["areas"][1]["code"] = framework["areas"][0]["code"]
    write(framework_file, framework)
    role_file = content_copy / "roles" / "developer.yaml"
    role = read(role_file)
    role["targets"]["TECH.DEV"] = 5
    write(role_file, role)

    messages = [str(e) for e in load_content(content_copy).errors]
    assert "frameworks/dgcf.yaml: areas[2].competencies[0].levels.3: no descriptor for level 3 " \
           "(Practitioner)" in messages
    assert "frameworks/dgcf.yaml: areas[1].competencies[0].levels.7: level 7 is not on the scale " \
           "(0–4)" in messages
    assert any(m.startswith("frameworks/dgcf.yaml: areas[1].code: area code") for m in messages)
    assert "roles/developer.yaml: targets.TECH.DEV: level 5 is not on the scale of dgcf (0–4)" in messages
    assert len(messages) == 4, messages


def test_references_to_an_unreadable_framework_add_no_errors(content_copy):
    (content_copy / "frameworks" / "dgcf.yaml").write_text("code: dgcf\nname: x\n", encoding="utf-8")
    messages = [str(e) for e in load_content(content_copy).errors]
    assert messages == ["frameworks/dgcf.yaml: version: required field is missing",
                        "frameworks/dgcf.yaml: scale: required field is missing",
                        "frameworks/dgcf.yaml: areas: required field is missing"]


def test_option_values_must_be_text(content_copy):
    instrument_file = content_copy / "instruments" / "tna-individual.yaml"
    text = instrument_file.read_text(encoding="utf-8")
    assert '{value: "no", label:' in text
    text = text.replace('{value: "no", label:', "{value: no, label:", 1)  # YAML 1.1 reads a boolean
    text = text.replace("{value: lt1, label:", "{value: 1, label:", 1)  # a number is read as its text
    instrument_file.write_text(text, encoding="utf-8")
    result = load_content(content_copy)
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.file == "instruments/tna-individual.yaml" and error.field.endswith(".value")
    assert "boolean" in error.reason and 'put the value in quotes, e.g. "no"' in error.reason


def test_a_number_option_value_becomes_its_text(content_copy):
    instrument_file = content_copy / "instruments" / "tna-individual.yaml"
    text = instrument_file.read_text(encoding="utf-8").replace("{value: lt1, label:", "{value: 1, label:", 1)
    instrument_file.write_text(text, encoding="utf-8")
    result = load_content(content_copy)
    assert result.errors == []
    hours = next(item for item in result.content.instruments[0].items() if item.code == "ctx-hours")
    assert hours.options[0].value == "1"


def test_a_key_given_twice_is_an_error_with_its_line(content_copy):
    role_file = content_copy / "roles" / "developer.yaml"
    role_file.write_text("code: developer\nname: Developer\nframework: dgcf\ntargets:\n  TECH.DEV: 3\n"
                         "  TECH.DEV: 4\n", encoding="utf-8")
    [error] = load_content(content_copy).errors
    assert (error.file, error.field) == ("roles/developer.yaml", "line 6, column 3")
    assert error.reason == "found the key 'TECH.DEV' twice (first on line 5)"


def test_item_kinds_stay_in_their_instruments(content_copy):
    individual_file = content_copy / "instruments" / "tna-individual.yaml"
    individual = read(individual_file)
    individual["sections"][0]["items"].append({
        "code": "org-x", "kind": "maturity", "dimension": "budget", "prompt": "Budget?",
        "options": [{"value": "a", "label": "A", "score": 0}, {"value": "b", "label": "B", "score": 5}]})
    write(individual_file, individual)
    organisation_file = content_copy / "instruments" / "tna-organisation.yaml"
    organisation = read(organisation_file)
    organisation["sections"][0]["items"].append(
        {"code": "self-x", "kind": "self_rating", "competency": "LEAD.CHANGE", "prompt": "You?"})
    organisation["sections"][0]["items"].append(dict(organisation["sections"][0]["items"][0]))
    write(organisation_file, organisation)

    messages = [str(e) for e in load_content(content_copy).errors]
    n = len(individual["sections"][0]["items"]) - 1
    assert f"instruments/tna-individual.yaml: sections[0].items[{n}].options[1].score: Input should be " \
           "less than or equal to 4" in messages
    individual["sections"][0]["items"][n]["options"][1]["score"] = 4
    write(individual_file, individual)
    messages = [str(e) for e in load_content(content_copy).errors]
    m = len(organisation["sections"][0]["items"]) - 2
    assert messages == [
        f"instruments/tna-individual.yaml: sections[0].items[{n}].kind: maturity items belong in "
        "organisation instruments only",
        f"instruments/tna-organisation.yaml: sections[0].items[{m}].kind: self_rating items belong in "
        "individual instruments only: an organisation instrument measures the organisation, not a person",
        f"instruments/tna-organisation.yaml: sections[0].items[{m + 1}].code: item code org-strategy-1 is "
        "also used by sections[0].items[0]",
    ]


def test_references_to_missing_frameworks_and_file_names(content_copy):
    role_file = content_copy / "roles" / "developer.yaml"
    role = read(role_file)
    role["framework"] = "nosuch"
    write(role_file, role)
    (content_copy / "roles" / "developer.yaml").rename(content_copy / "roles" / "dev.yaml")
    messages = [str(e) for e in load_content(content_copy).errors]
    assert messages == ["roles/dev.yaml: code: code developer must match the file name (developer.yaml)",
                        "roles/dev.yaml: framework: no framework with code nosuch"]


def test_a_missing_directory_is_an_error(tmp_path):
    [error] = load_content(tmp_path / "nowhere").errors
    assert error.reason == "no such directory"


@pytest.mark.parametrize(("loc", "text"), [
    (("areas", 2, "competencies", 0, "levels", 3), "areas[2].competencies[0].levels.3"),
    (("sections", 1, "items", 4, "knowledge", "key"), "sections[1].items[4].key"),
    (("targets", "DATA.LIT"), "targets.DATA.LIT"),
    (("levels", "x", "[key]"), "levels.x (key)"),
])
def test_field_paths_read_like_the_file(loc, text):
    assert field_path(loc) == text


def alias_bomb(levels: int = 9, width: int = 10) -> str:
    """A 'billion laughs' file: each anchor a list of ``width`` aliases of the one before."""
    lines = ["code: developer", "name: Developer", "framework: dgcf", "notes:",
             '  l0: &l0 ["' + "lol" * 40 + '"]']
    for level in range(1, levels + 1):
        lines.append(f"  l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + f"\ntargets: *l{levels}\n"


def test_an_alias_bomb_fails_fast_with_one_clear_error(content_copy):
    bomb = alias_bomb()
    assert len(bomb) < 8_000  # 10^9 values once expanded
    (content_copy / "roles" / "developer.yaml").write_text(bomb, encoding="utf-8")
    started = time.perf_counter()
    result = load_content(content_copy)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, elapsed
    [error] = [error for error in result.errors if error.file == "roles/developer.yaml"]
    assert error.field.startswith("line ")
    assert error.reason == ("the file expands to more than 200,000 values through its aliases (*name): "
                            "write the values out, or use fewer aliases")
    assert len(result.errors) <= MAX_ERRORS_PER_FILE + 1


@pytest.mark.parametrize(("text", "reason"), [
    ("code: developer\nname: " + "[" * 100_000 + "]" * 100_000 + "\n",
     "values nest more than 100 levels deep"),
    ("code: developer\nname: &x [1, *x]\n", "an alias (*name) refers to the value that contains it"),
])
def test_very_deep_or_recursive_yaml_is_refused_where_it_is(content_copy, text, reason):
    (content_copy / "roles" / "developer.yaml").write_text(text, encoding="utf-8")
    [error] = [error for error in load_content(content_copy).errors if error.file == "roles/developer.yaml"]
    assert error.reason == reason and error.field.startswith("line 2, column ")


def test_a_few_aliases_are_still_read(content_copy):
    role_file = content_copy / "roles" / "developer.yaml"
    role = read(role_file)
    target = next(iter(role["targets"]))
    text = role_file.read_text(encoding="utf-8").replace(f"  {target}: {role['targets'][target]}",
                                                         f"  {target}: &level {role['targets'][target]}")
    role_file.write_text(text, encoding="utf-8")
    assert load_content(content_copy).errors == []


def test_at_most_100_errors_are_listed_per_file_then_how_many_more(content_copy):
    framework_file = content_copy / "frameworks" / "dgcf.yaml"
    framework = read(framework_file)
    competencies = [competency for area in framework["areas"] for competency in area["competencies"]]
    for competency in competencies:
        competency["levels"] = {}  # one error per level of each competency
    write(framework_file, framework)
    result = load_content(content_copy)
    mine = [error for error in result.errors if error.file == "frameworks/dgcf.yaml"]
    levels = len(framework["scale"])
    total = len(competencies) * levels
    assert total > MAX_ERRORS_PER_FILE
    assert len(mine) == MAX_ERRORS_PER_FILE + 1
    more = total - MAX_ERRORS_PER_FILE
    assert str(mine[-1]) == f"frameworks/dgcf.yaml: and {more:,} more errors in this file"
    assert result.omitted == total - MAX_ERRORS_PER_FILE
    assert result.error_count == len(result.errors) - 1 + result.omitted


def test_areas_nesting_in_a_loop_are_one_error_and_a_deep_chain_none():
    from app.content.loader import framework_problems
    from app.content.schemas import FrameworkModel

    def framework(parents: dict[str, str | None]) -> FrameworkModel:
        areas = [{"code": code, "name": code, "parent": parent, "competencies": []}
                 for code, parent in parents.items()]
        areas[-1]["competencies"] = [{"code": "C", "name": "C", "levels": {1: "a", 2: "b"}}]
        return FrameworkModel.model_validate({
            "code": "f", "name": "F", "version": "1", "scale": [{"level": 1, "name": "One"},
                                                                {"level": 2, "name": "Two"}],
            "areas": areas})

    looped = framework({"A": "B", "B": "A", "C": None})
    assert framework_problems(looped) == [("areas[0].parent", "areas nest in a loop")]
    deep = framework({f"N{i}": f"N{i - 1}" if i else None for i in reversed(range(5000))})
    started = time.perf_counter()
    assert framework_problems(deep) == []
    assert time.perf_counter() - started < 1
