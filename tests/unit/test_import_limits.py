"""Bad input files fail with a clear, bounded error: invitation files, YAML content, framework imports."""

from __future__ import annotations

import copy
import io
import json
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.content.case_reader import read_case
from app.content.importers import ImportFailed, import_framework, read_csv
from app.extensions import db
from app.models import Area, InviteFile
from tests.factories import FocalPointFactory
from tests.unit.test_campaigns_service import make_campaign
from tests.unit.test_invites import csv_bytes, good_rows

# Invitation files --------------------------------------------------------------------------------


def _bad_rows(n: int) -> list[tuple[str, str, str, str]]:
    return [(f"{'x' * 300}{i}", f"Person {i}", "Ministry of Magic", "") for i in range(n)]


def test_the_page_of_a_checked_file_says_how_many_more_rows_have_problems(browser):
    campaign = make_campaign()
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    data = csv_bytes([*_bad_rows(250), *good_rows(2)])
    response = browser.post(f"/campaigns/{campaign.id}/invite", {"file": (io.BytesIO(data), "bad.csv")},
                            token_from=f"/campaigns/{campaign.id}/invite",
                            content_type="multipart/form-data")
    assert response.status_code == 302
    staged = db.session.query(InviteFile).one()
    assert len(staged.errors) == 100
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    # each bad row has two errors (address and organisation): the first 100 errors name 50 rows
    assert "and 200 more rows with problems" in page
    assert re.search(r"Rows with problems\s*</dt>\s*<dd[^>]*>\s*250\s*<", page)  # every bad row counted


def test_the_invite_command_says_how_many_more_rows_have_problems(app, tmp_path):
    campaign = make_campaign()
    path = tmp_path / "officials.csv"
    path.write_bytes(csv_bytes(_bad_rows(120)))
    result = app.test_cli_runner().invoke(args=["campaigns", "invite", str(campaign.id), str(path)])
    assert result.exit_code == 1
    assert result.output.count("officials.csv: row ") == 100
    assert "officials.csv: and 70 more rows with problems" in result.output
    assert "120 rows: 0 good, 120 with problems" in result.output


# Framework imports -------------------------------------------------------------------------------

def small_package() -> dict:
    return {
        "CFDocument": {"identifier": "doc", "uri": "https://example.org/doc", "title": "Small skills",
                       "version": "2.0", "description": "A test package",
                       "licenseURI": {"title": "CC-BY-4.0", "uri": "https://example.org/licence"}},
        "CFItems": [
            {"identifier": "a", "fullStatement": "Area A", "humanCodingScheme": "A"},
            {"identifier": "b", "uri": "https://example.org/b", "fullStatement": "Skill B",
             "abbreviatedStatement": "B"},
            {"identifier": "c", "fullStatement": "Skill C", "humanCodingScheme": "A.C"},
        ],
        "CFAssociations": [
            {"associationType": "isChildOf", "originNodeURI": {"identifier": "a"},
             "destinationNodeURI": {"uri": "https://example.org/doc"}, "sequenceNumber": 1},
            {"associationType": "isChildOf", "originNodeURI": "https://example.org/b",
             "destinationNodeURI": {"identifier": "a"}, "sequenceNumber": 2},
            {"associationType": "isChildOf", "originNodeURI": {"identifier": "c"},
             "destinationNodeURI": {"identifier": "a"}, "sequenceNumber": 1},
        ],
    }


def test_the_small_package_imports():
    framework, notes = read_case(json.dumps(small_package()).encode(), code="small")
    assert notes == []
    assert [(area.code, [c.code for c in area.competencies]) for area in framework.areas] == \
        [("A", ["A.C", "B"])]
    assert framework.licence == "CC-BY-4.0" and framework.version == "2.0"


def _set(path: str, value):
    def change(package: dict) -> None:
        *parents, last = path.split("/")
        node = package
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = value
    return change


@pytest.mark.parametrize(("change", "error"), [
    (_set("CFItems/0/fullStatement", 5), "CFItems[0].fullStatement: must be text, not a number"),
    (_set("CFItems/1/identifier", None), "CFItems[1].identifier: missing"),
    (_set("CFItems/1/identifier", ["b"]), "CFItems[1].identifier: must be text, not a list"),
    (_set("CFItems/2/humanCodingScheme", {"code": "C"}),
     "CFItems[2].humanCodingScheme: must be text, not an object"),
    (_set("CFItems/0", "a"), "CFItems[0]: must be an object, not text"),
    (_set("CFDocument/identifier", 7), "CFDocument.identifier: must be text, not a number"),
    (_set("CFDocument/title", None), "CFDocument.title: missing"),
    (_set("CFDocument/description", True), "CFDocument.description: must be text, not true/false"),
    (_set("CFDocument/version", ["2"]), "CFDocument.version: must be text, not a list"),
    (_set("CFDocument/licenseURI", {"title": 4}), "CFDocument.licenseURI.title: must be text, not a number"),
    (_set("CFDocument", []), "not a CASE package: CFDocument is missing or not an object"),
    (_set("CFAssociations", {"0": {}}), "CFAssociations: must be a list, not an object"),
    (_set("CFAssociations/0/originNodeURI", ["a"]),
     "CFAssociations[0].originNodeURI: must be an object (a LinkURI), not a list"),
    (_set("CFAssociations/1/destinationNodeURI", {"identifier": 1}),
     "CFAssociations[1].destinationNodeURI.identifier: must be text, not a number"),
    (_set("CFAssociations/2/sequenceNumber", "first"),
     "CFAssociations[2].sequenceNumber: must be a number, not text"),
])
def test_a_wrongly_typed_case_field_is_an_error_saying_where(change, error):
    package = small_package()
    change(package)
    with pytest.raises(ImportFailed) as exc:
        read_case(json.dumps(package).encode(), code="small")
    assert exc.value.errors[0] == error


def test_a_numeric_version_and_sequence_number_given_as_text_are_read():
    package = small_package()
    package["CFDocument"]["version"] = 3
    package["CFAssociations"][2]["sequenceNumber"] = "9"  # C now after B
    framework, _ = read_case(json.dumps(package).encode(), code="small")
    assert framework.version == "3"
    assert [c.code for c in framework.areas[0].competencies] == ["B", "A.C"]


@pytest.mark.parametrize("data", [
    b'{"CFDocument": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"CFDocument": {"identifier": "d", "title": "T"}, "CFItems": [' + b"{\"x\": " * 50_000 + b"1"
    + b"}" * 50_000 + b"]}",
])
def test_very_deep_json_is_refused_in_one_sentence(data):
    with pytest.raises(ImportFailed) as exc:
        read_case(data, code="deep")
    assert exc.value.errors == ["the JSON nests too deeply to be a CASE package"]


def test_a_huge_integer_is_refused_as_invalid_json():
    with pytest.raises(ImportFailed) as exc:
        read_case(b'{"CFDocument": {"identifier": "d", "title": "T", "version": ' + b"9" * 5000 + b"}}")
    assert exc.value.errors[0].startswith("not valid JSON: ")


def chain(depth: int) -> dict:
    """An isChildOf chain ``depth`` areas deep with one competency at the bottom."""
    items = [{"identifier": f"n{i}", "fullStatement": f"Node {i}", "humanCodingScheme": f"N{i}"}
             for i in range(depth + 1)]
    links = [{"associationType": "isChildOf", "originNodeURI": {"identifier": f"n{i}"},
              "destinationNodeURI": {"identifier": f"n{i - 1}" if i else "doc"}} for i in range(depth + 1)]
    return {"CFDocument": {"identifier": "doc", "title": "Deep"}, "CFItems": items, "CFAssociations": links}


def test_a_3000_deep_is_child_of_chain_imports():
    started = time.perf_counter()
    framework, _ = read_case(json.dumps(chain(3000)).encode(), code="deep-chain")
    report = import_framework(db.session, framework, source="case")
    elapsed = time.perf_counter() - started
    assert len(framework.areas) == 3000 and framework.areas[-1].parent == "N2998"
    assert [c.code for c in framework.areas[-1].competencies] == ["N3000"]
    assert db.session.scalar(select(func.count()).select_from(Area)) >= 3000
    assert report
    assert elapsed < 30, elapsed


def test_a_loop_in_a_long_chain_is_refused_by_name():
    package = chain(3000)
    package["CFAssociations"][0]["destinationNodeURI"] = {"identifier": "n3000"}  # the top under the bottom
    with pytest.raises(ImportFailed) as exc:
        read_case(json.dumps(package).encode(), code="loop")
    assert exc.value.errors == ["CFAssociations: the isChildOf links of n0, n1, n2, n3, n4, … form a loop"]


def test_a_csv_cell_over_128_kib_is_a_row_error():
    header = "area_code,area_name,code,name,level_1:Awareness,level_2:Working"
    lines = [header, "A,Area,A.1,One,knows,does", "A,Area,A.2,Two,knows," + "x" * 200_000]
    with pytest.raises(ImportFailed) as exc:
        read_csv("\n".join(lines).encode(), code="big", name="Big")
    assert exc.value.errors == ["row 3: a cell is longer than 131,072 characters, the most a cell may hold"]


def test_a_long_bad_csv_code_is_quoted_briefly():
    header = "area_code,area_name,code,name,level_1:Awareness,level_2:Working"
    lines = [header, "A,Area," + "bad code " * 5000 + ",One,knows,does"]
    with pytest.raises(ImportFailed) as exc:
        read_csv("\n".join(lines).encode(), code="big", name="Big")
    [error] = exc.value.errors
    assert error.startswith("row 2, column code: 'bad code bad code") and len(error) < 200


# Generated packages: every one imports or is refused with ImportFailed ---------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6)


def _paths(package) -> list[tuple]:
    paths, stack = [], [((), package)]
    while stack:
        path, node = stack.pop()
        paths.append(path)
        children = (node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list)
                    else [])
        stack.extend((path + (key,), child) for key, child in children)
    return sorted(paths, key=repr)


@st.composite
def mutated_packages(draw) -> dict:
    package = small_package()
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(package)
        path = paths[draw(st.integers(0, len(paths) - 1))]
        if not path:
            continue
        *parents, last = path
        node = package
        for part in parents:
            node = node[part]
        action = draw(st.sampled_from(["replace", "delete", "wrap", "duplicate"]))
        if action == "replace":
            node[last] = draw(_json)
        elif action == "delete":
            del node[last]
        elif action == "wrap":
            node[last] = [node[last]]
        elif isinstance(node, list):
            node.append(copy.deepcopy(node[last]))
    return package


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutated_packages())
def test_generated_malformed_packages_import_or_fail_with_import_failed(package):
    data = json.dumps(package).encode()
    try:
        framework, _ = read_case(data, code="fuzz")
        import_framework(db.session, framework, source="case")
    except ImportFailed as exc:
        assert exc.errors and all(isinstance(error, str) and error for error in exc.errors)
    finally:
        db.session.rollback()


# Through the commands ----------------------------------------------------------------------------

def test_content_validate_on_an_alias_bomb_prints_one_error(app, tmp_path):
    from tests.unit.test_content_loader import alias_bomb
    (tmp_path / "roles").mkdir()
    (tmp_path / "roles" / "developer.yaml").write_text(alias_bomb(), encoding="utf-8")
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["content", "validate", "--path", str(tmp_path)])
    assert time.perf_counter() - started < 5
    assert result.exit_code == 1
    assert "roles/developer.yaml: line 10, column " in result.output
    assert "expands to more than 200,000 values through its aliases" in result.output
    assert "1 error(s) in" in result.output and len(result.output) < 1000


def test_frameworks_import_lists_100_problems_then_how_many_more(app, tmp_path):
    header = "area_code,area_name,code,name,level_1:Awareness,level_2:Working"
    path = tmp_path / "many.csv"
    rows = [f"A,Area,bad code {i},Name,,x" for i in range(300)]  # a bad code and an empty descriptor
    path.write_text("\n".join([header, *rows]), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["frameworks", "import", str(path)])
    assert result.exit_code == 1
    assert result.output.count("many.csv: row ") == 100
    assert "many.csv: and 500 more problems" in result.output  # two problems on each of 300 rows
    assert "600 problem(s) in many.csv; nothing was imported" in result.output
    assert "Traceback" not in result.output


def test_frameworks_import_of_a_csv_with_a_huge_cell_says_which_row(app, tmp_path):
    path = tmp_path / "huge.csv"
    header = "area_code,area_name,code,name,level_1:Awareness,level_2:Working"
    path.write_text(f"{header}\nA,Area,A.1,One,knows,{'x' * 140_000}\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["frameworks", "import", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # a message, no traceback
    assert "huge.csv: row 2: a cell is longer than 131,072 characters" in result.output
