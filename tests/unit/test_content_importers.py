"""Framework imports: our CSV format and 1EdTech CASE 1.1 packages, tried on real public frameworks."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.content.case_reader import read_case
from app.content.importers import (
    GENERIC_NOTE,
    ImportFailed,
    import_framework,
    read_csv,
    slug,
)
from app.content.loader import DEFAULT_PATH
from app.extensions import db
from app.models import Area, Competency, Framework, LevelDescriptor

EXAMPLE = DEFAULT_PATH / "examples" / "framework.csv"
REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "frameworks"
DIGCOMP = REFERENCE / "digcomp-2.2"
DDAT = REFERENCE / "uk-ddat-capability-framework"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def reference(folder: Path) -> Path:
    if not folder.is_dir():
        pytest.skip(f"the public reference frameworks are not here ({folder})")
    return folder


# CSV ----------------------------------------------------------------------------------------------


def test_the_example_csv_imports():
    framework = read_csv(EXAMPLE.read_bytes(), code="open-data", name="Open data publishing")
    assert [area.code for area in framework.areas] == ["PREP", "PUB"]
    assert [c.code for c in framework.competencies()] == [
        "PREP.SELECT", "PREP.PRIVACY", "PREP.QUALITY", "PUB.FORMATS", "PUB.ENGAGE"]
    assert [(level.level, level.name) for level in framework.scale] == [
        (0, "None"), (1, "Awareness"), (2, "Working"), (3, "Practitioner"), (4, "Expert")]
    report = import_framework(db.session, framework, source="csv")
    assert report.added == ["framework open-data: 2 areas, 5 competencies, 5 levels"]
    stored = db.session.scalar(select(Framework).where(Framework.code == "open-data"))
    assert stored.source == "csv" and count(LevelDescriptor) >= 25
    assert not import_framework(db.session, framework, source="csv")  # importing again changes nothing


def test_semicolons_a_byte_order_mark_and_header_case_are_accepted():
    rows = list(csv.reader(io.StringIO(EXAMPLE.read_text(encoding="utf-8"))))
    rows[0] = [title.upper() if not title.startswith("level_") else title for title in rows[0]]
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    framework = read_csv(("\ufeff" + out.getvalue()).encode("utf-8"), code="open-data", name="Open data")
    assert len(framework.competencies()) == 5


def test_a_bad_csv_lists_every_problem_with_row_and_column():
    text = (
        "area_code,area_name,code,name,level_1:Awareness,level_2:Working,colour\n"
        "A,Area A,A.ONE,First,knows,does,red\n"
    )
    with pytest.raises(ImportFailed) as exc:
        read_csv(text.encode(), code="x", name="X")
    assert exc.value.errors == ["row 1, column 7 (colour): unknown column; the columns are area_code, "
                                "area_name, area_description, code, name, description, identifier and "
                                "level_<n>:<name>"]

    text = (
        "area_code,area_name,code,name,level_1:Awareness,level_2:Working\n"
        "A,Area A,A.ONE,First,knows,does\n"
        "A,Area Other,A.TWO,,knows,\n"
        "B,Area B,A.ONE,Again,knows,does\n"
        "B,Area B,B ONE,Spaced,knows,does\n"
        "B,Area B,B.TWO,Extra,knows,does,surplus\n"
    )
    with pytest.raises(ImportFailed) as exc:
        read_csv(text.encode(), code="x", name="X")
    assert exc.value.errors == [
        "row 3, column name: empty",
        "row 3, column level_2:Working: empty descriptor",
        "row 3, column area_name: 'Area Other' differs from 'Area A' given for area A on row 2",
        "row 4, column code: A.ONE is also on row 2",
        "row 5, column code: 'B ONE' is not a code (letters, digits and . _ - : only, no spaces)",
        "row 6: 7 cells but the header names 6 columns",
    ]


def test_a_csv_that_is_not_utf8_or_is_empty_is_refused():
    with pytest.raises(ImportFailed, match="not UTF-8"):
        read_csv("area_code;name\nA;Caf\xe9\n".encode("latin-1"), code="x", name="X")
    with pytest.raises(ImportFailed, match="the file is empty"):
        read_csv(b"", code="x", name="X")
    with pytest.raises(ImportFailed) as exc:
        read_csv(b"area_code,area_name,code,name,level_1\n", code="x", name="X")
    assert "row 1: give at least two level columns" in exc.value.errors[0]


def _ddat_rows() -> list[dict]:
    path = reference(DDAT) / "ddat_skills.csv"
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def _ddat_as_our_csv(skills: list[dict]) -> bytes:
    """The UK DDaT skills in our format: one area (DDaT publishes none), levels 1-4 as published."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["area_code", "area_name", "code", "name", "description", "level_1:Awareness",
                     "level_2:Working", "level_3:Practitioner", "level_4:Expert"])
    for skill in skills:
        writer.writerow(["DDAT", "DDaT skills", slug(skill["Skill Name"], upper=True, limit=110),
                         skill["Skill Name"], skill["Skill Description"], skill["Awareness"],
                         skill["Working"], skill["Practitioner"], skill["Expert"]])
    return out.getvalue().encode("utf-8")


def test_the_uk_ddat_framework_imports_through_our_csv_format():
    skills = _ddat_rows()
    assert len(skills) == 188
    levels = ("Awareness", "Working", "Practitioner", "Expert")
    undescribed = [n for n, s in enumerate(skills, start=2) if not all(s[level].strip() for level in levels)]
    assert len(undescribed) == 22  # DDaT publishes these skills without level descriptors

    # All 188 rows: every undescribed skill is refused by row and column, and nothing is written.
    with pytest.raises(ImportFailed) as exc:
        read_csv(_ddat_as_our_csv(skills), code="uk-ddat", name="UK DDaT")
    rows = {int(re.match(r"row (\d+),", error).group(1)) for error in exc.value.errors}
    assert rows == set(undescribed)
    assert all("empty descriptor" in error for error in exc.value.errors)

    described = [s for s in skills if all(s[level].strip() for level in levels)]
    framework = read_csv(_ddat_as_our_csv(described), code="uk-ddat", name="UK DDaT capability framework",
                         licence="OGL-UK-3.0")
    import_framework(db.session, framework, source="csv")
    stored = db.session.scalar(select(Framework).where(Framework.code == "uk-ddat"))
    assert count(Competency, Competency.framework_id == stored.id) == 166
    assert [level.level for level in stored.levels] == [1, 2, 3, 4]
    accessibility = db.session.scalar(select(Competency).where(Competency.framework_id == stored.id,
                                                               Competency.code == "ACCESSIBILITY"))
    assert [d.level for d in accessibility.descriptors] == [1, 2, 3, 4]
    assert accessibility.descriptors[3].text.startswith("You can:")


# CASE ---------------------------------------------------------------------------------------------


def _digcomp_package() -> tuple[dict, dict[str, str]]:
    """A CASE 1.1 CFPackage of DigComp 2.2 built from its published CSV and SKOS concept URIs.
    Returns the package and {ShortCode: CFItem identifier}."""
    folder = reference(DIGCOMP)
    text = (folder / "DigComp_2.2_areas_competences.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    turtle = (folder / "digcomp_2.2_skos.ttl").read_text(encoding="utf-8")
    uris = {}  # prefLabel -> concept URI, one Turtle block per concept
    for block in turtle.split("\n\n"):
        concept = re.search(r"^<(https://w3id\.org/kim/digcomp/g_\d+)>", block.strip())
        label = re.search(r'skos:prefLabel\s+"([^"]+)"', block)
        if concept and label:
            uris[label.group(1)] = concept.group(1)
    base = "https://w3id.org/kim/digcomp/"
    document_id = str(uuid.uuid5(uuid.NAMESPACE_URL, base + "digcomp"))
    document = {"identifier": document_id, "uri": base + "digcomp", "title": "DigComp 2.2",
                "creator": "European Commission, Joint Research Centre", "version": "2.2",
                "caseVersion": "1.1", "lastChangeDateTime": "2022-03-01T00:00:00+00:00",
                "licenseURI": {"title": "CC-BY-4.0", "uri": "https://creativecommons.org/licenses/by/4.0/",
                               "identifier": str(uuid.uuid5(uuid.NAMESPACE_URL, "cc-by"))},
                "CFPackageURI": {"title": "DigComp 2.2", "identifier": document_id, "uri": base + "digcomp"}}
    items, associations, identifiers, by_name = [], [], {}, {}
    for row in rows:
        uri = uris[row["Name"]]
        identifier = str(uuid.uuid5(uuid.NAMESPACE_URL, uri))
        identifiers[row["ShortCode"]], by_name[row["Name"]] = identifier, (identifier, uri)
        is_area = row["Level"] == "1"
        items.append({"identifier": identifier, "uri": uri,
                      "fullStatement": row["Description"] or row["Name"],
                      "abbreviatedStatement": row["Name"].capitalize(),
                      "humanCodingScheme": row["ShortCode"].removesuffix(".0"),
                      "CFItemType": "Competence area" if is_area else "Competence",
                      "lastChangeDateTime": document["lastChangeDateTime"]})
        parent_id, parent_uri = (document_id, document["uri"]) if is_area else by_name[row["BroaderConcept"]]
        associations.append({
            "identifier": str(uuid.uuid5(uuid.NAMESPACE_URL, uri + "#isChildOf")),
            "associationType": "isChildOf",
            "originNodeURI": {"title": row["Name"], "identifier": identifier, "uri": uri},
            "destinationNodeURI": {"title": "", "identifier": parent_id, "uri": parent_uri},
            "sequenceNumber": int(row["ShortCode"].split(".")[0 if is_area else 1]),
        })
    associations.reverse()  # order must come from sequenceNumber, not from the file
    package = {"CFDocument": document, "CFItems": items, "CFAssociations": associations}
    return {"CFPackage": package}, identifiers


def test_digcomp_as_a_case_package_keeps_its_hierarchy_and_identifiers():
    package, identifiers = _digcomp_package()
    framework, notes = read_case(json.dumps(package).encode())
    assert notes == []
    assert (framework.code, framework.version, framework.licence) == ("digcomp-2-2", "2.2", "CC-BY-4.0")
    assert [area.code for area in framework.areas] == ["1", "2", "3", "4", "5"]
    assert [len(area.competencies) for area in framework.areas] == [3, 6, 4, 4, 4]
    assert len(framework.competencies()) == 21
    assert framework.areas[1].competencies[0].code == "2.1"
    assert framework.areas[1].competencies[0].name == "Interacting through digital technologies"

    import_framework(db.session, framework, source="case")
    stored = db.session.scalar(select(Framework).where(Framework.code == "digcomp-2-2"))
    assert stored.identifier == package["CFPackage"]["CFDocument"]["identifier"]
    areas = {area.code: area for area in stored.areas}
    assert len(areas) == 5 and all(area.parent_id is None for area in areas.values())
    for area in areas.values():
        assert area.identifier == identifiers[f"{area.code}.0"]
    competencies = db.session.scalars(select(Competency).where(Competency.framework_id == stored.id)).all()
    assert len(competencies) == 21
    for competency in competencies:
        assert competency.identifier == identifiers[competency.code]
        assert competency.area.code == competency.code.split(".")[0]  # under its own area
        assert [d.level for d in competency.descriptors] == [0, 1, 2, 3, 4]
        assert all(d.text.endswith(GENERIC_NOTE) for d in competency.descriptors)


def test_case_areas_nest_and_top_level_leaves_get_the_documents_area():
    package = {
        "CFDocument": {"identifier": "doc", "title": "Nested skills"},
        "CFItems": [
            {"identifier": "a", "fullStatement": "Area A", "humanCodingScheme": "A"},
            {"identifier": "b", "fullStatement": "Sub-area B", "humanCodingScheme": "A.B"},
            {"identifier": "c", "fullStatement": "Competency C sits in B"},
            {"identifier": "d", "fullStatement": "Competency D has no parent"},
        ],
        # OpenCASE writes no isChildOf for top-level items: "a" and "d" have none.
        "CFAssociations": [
            {"associationType": "isChildOf", "originNodeURI": {"identifier": "b"},
             "destinationNodeURI": {"identifier": "a"}},
            {"associationType": "isChildOf", "originNodeURI": {"identifier": "c"},
             "destinationNodeURI": {"identifier": "b"}},
            {"associationType": "exactMatchOf", "originNodeURI": {"identifier": "c"},
             "destinationNodeURI": {"identifier": "elsewhere"}},
        ],
    }
    framework, _ = read_case(json.dumps(package).encode(), code="nested")
    assert [(a.code, a.parent, [c.code for c in a.competencies]) for a in framework.areas] == [
        ("A", None, []), ("A.B", "A", ["COMPETENCY-C-SITS-IN-B"]),
        ("NESTED-SKILLS", None, ["COMPETENCY-D-HAS-NO-PARENT"])]
    import_framework(db.session, framework, source="case")
    b = db.session.scalar(select(Area).where(Area.code == "A.B"))
    assert b.parent.code == "A" and b.identifier == "b"

    package["CFItems"].pop(3)  # an item leaves the package: its competency is retired
    framework, _ = read_case(json.dumps(package).encode(), code="nested")
    report = import_framework(db.session, framework, source="case")
    assert report.retired == ["framework nested: competency COMPETENCY-D-HAS-NO-PARENT"]


@pytest.mark.parametrize(("data", "error"), [
    (b"{not json", "not valid JSON: line 1, column 2"),
    (b"[]", "not a CASE package: CFDocument is missing"),
    (json.dumps({"CFDocument": {"identifier": "d", "title": "T"}}).encode(),
     "not a CASE package: CFItems is missing or not a list"),
    (json.dumps({"CFDocument": {"identifier": "d", "title": "T"}, "CFItems": [
        {"identifier": "x", "fullStatement": "X"}], "CFAssociations": [
        {"associationType": "isChildOf", "originNodeURI": {"identifier": "x"},
         "destinationNodeURI": {"identifier": "ghost"}}]}).encode(),
     "CFAssociations[0]: the parent (destinationNodeURI) of x is ghost, which is neither the CFDocument nor "
     "an item of the package"),
    (json.dumps({"CFDocument": {"identifier": "d", "title": "T"}, "CFItems": [
        {"identifier": "x", "fullStatement": "X"}, {"identifier": "y", "fullStatement": "Y"}],
        "CFAssociations": [
        {"associationType": "isChildOf", "originNodeURI": {"identifier": "x"},
         "destinationNodeURI": {"identifier": "y"}},
        {"associationType": "isChildOf", "originNodeURI": {"identifier": "y"},
         "destinationNodeURI": {"identifier": "x"}},
    ]}).encode(), "CFAssociations: the isChildOf links of x, y form a loop"),
    (json.dumps({"CFDocument": {"identifier": "d", "title": "T"},
                 "CFItems": [{"fullStatement": "X"}]}).encode(),
     "CFItems[0].identifier: missing"),
])
def test_a_bad_case_package_is_refused_with_what_and_where(data, error):
    with pytest.raises(ImportFailed) as exc:
        read_case(data, code="bad")
    assert error in exc.value.errors[0]
