"""CSV and XLSX exports: the same cells as the page, suppressed the same way, formulas escaped,
person-level rows pseudonymised by default, and an audit event per export."""

import csv
import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.services import evaluation
from app.services.audit import Actor
from app.services.evaluation import Filters, exports
from tests.factories import UserFactory
from tests.unit.analytics_fixture import build_world

NS = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def read_csv(text):
    return list(csv.reader(io.StringIO(text)))


def read_xlsx(data: bytes) -> list[list[str]]:
    """The first sheet's cells as text, read from the XML inside the zip (no openpyxl needed).
    Also asserts no cell holds a formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = book.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))  # noqa: S314 - our own output
            shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['s']}}}t"))
                      for si in root.findall("s:si", NS)]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))  # noqa: S314 - our own output
    assert sheet.findall(".//s:f", NS) == []  # no formulas, ever
    out = []
    for row in sheet.findall(".//s:sheetData/s:row", NS):
        cells = {}
        for c in row.findall("s:c", NS):
            column = re.match(r"[A-Z]+", c.get("r")).group(0)
            value = c.find("s:v", NS)
            text = c.find(".//s:t", NS)
            if c.get("t") == "s":
                cells[column] = shared[int(value.text)]
            elif c.get("t") == "inlineStr":
                cells[column] = text.text
            else:
                cells[column] = value.text if value is not None else ""
        width = max((ord(col) - 64 for col in cells), default=0)
        out.append([cells.get(chr(65 + i), "") for i in range(width)])
    return out


def _number(text):
    return float(text)


def test_a_group_of_four_is_suppressed_in_csv_and_xlsx_as_on_the_page():
    world = build_world()
    table = evaluation.heatmap(db.session, world.scope, Filters(competency_id=world.c1.id), k=5)
    page = {cell.organisation: (str(cell.officials), cell.mean_gap) for cell in table.rows}
    assert page[world.o2.name][0] == "fewer than 5"
    csv_rows = read_csv(exports.to_csv(table))
    xlsx_rows = read_xlsx(exports.to_xlsx(table))
    assert csv_rows[0] == xlsx_rows[0] == list(table.columns)
    for rows in (csv_rows, xlsx_rows):
        by_org = {row[0]: row for row in rows[1:]}
        # O2 (4 officials) and O1 (else All - O1 gives O2): no number anywhere
        assert by_org[world.o2.name][3:5] == ["fewer than 5", "fewer than 5"]
        assert by_org[world.o1.name][3:5] == ["fewer than 5", "fewer than 5"]
        assert _number(by_org["All organisations"][3]) == 10
        assert _number(by_org["All organisations"][4]) == pytest.approx(0.9)


def test_the_caller_may_word_the_markers_as_its_page_does():
    world = build_world()
    table = evaluation.change_by_organisation(db.session, world.scope, k=5)
    text = exports.to_csv(table, suppressed_text="moins de 5", not_enough_text="pas assez de données")
    assert "moins de 5" in text and "fewer than" not in text
    assert "moins de 5" in {cell for row in read_xlsx(exports.to_xlsx(table, suppressed_text="moins de 5"))
                            for cell in row}


def test_formula_cells_are_escaped_in_csv_and_xlsx():
    world = build_world(prefix="=1+2 ")
    world.o2.name = "@SUM(A1) agency"
    world.follow_up.cycle_label = "-follow-up"
    db.session.flush()
    table = evaluation.participation_funnel(db.session, world.scope, k=1)
    for rows in (read_csv(exports.to_csv(table)), read_xlsx(exports.to_xlsx(table))):
        cells = {cell for row in rows for cell in row}
        assert "'=1+2 Ministry of Finance" in cells
        assert "'=1+2 Baseline 2025" in cells
        assert "'@SUM(A1) agency" in cells
        assert "'-follow-up" in cells
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_numbers_stay_numbers_and_markers_text_in_xlsx():
    world = build_world()
    data = exports.to_xlsx(evaluation.change_by_competency(db.session, world.scope, k=5))
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        styles = book.read("xl/styles.xml").decode()
    assert '<b/>' in styles  # the bold header
    assert re.search(r'<c r="H2"[^>]*><v>1</v></c>', sheet)  # c1's change, a number
    rows = read_xlsx(data)
    assert rows[2][10] == ""  # c2's p: undefined (no spread), an empty cell


def test_person_level_export_is_pseudonymised_by_default():
    world = build_world()
    table = evaluation.person_levels(db.session, world.scope, key="secret")
    text = exports.to_csv(table)
    for official in world.officials.values():
        assert official.name not in text and official.email not in text
    header, *rows = read_csv(text)
    assert header[:5] == ["person", "organisation", "role_profile", "campaign", "cycle_label"]
    assert header[5:] == [world.c1.code, world.c2.code]
    assert len(rows) == 10 and all(re.fullmatch(r"P-[0-9a-f]{16}", row[0]) for row in rows)
    u1 = evaluation.pseudonym(world.officials[1].id, "secret")
    assert [row[5:] for row in rows if row[0] == u1] == [["3", "2"]]  # u1's follow-up levels
    # stable with the same key, different with another
    assert read_csv(exports.to_csv(evaluation.person_levels(db.session, world.scope, key="secret"))) == [
        header, *rows]
    assert u1 != evaluation.pseudonym(world.officials[1].id, "other")
    with pytest.raises(ValueError):
        evaluation.person_levels(db.session, world.scope, key="")
    named = exports.to_csv(evaluation.person_levels(db.session, world.scope, key="", pseudonymise=False))
    assert world.officials[1].name in named and world.officials[1].email in named


def test_each_export_is_written_to_the_audit_log():
    world = build_world()
    admin = UserFactory(admin=True)
    table = evaluation.heatmap(db.session, world.scope, k=5)
    event = exports.record_export(db.session, Actor(admin, "192.0.2.1"), exports.filename(table, "xlsx"),
                                  world.country.id, {"filters": {}, "rows": len(table.rows)})
    db.session.flush()
    stored = db.session.scalar(select(AuditEvent).where(AuditEvent.id == event.id))
    assert (stored.actor_id, stored.action, stored.object_type, stored.object_id, stored.country_id) == (
        admin.id, "analytics.export", "Export", "heatmap.xlsx", world.country.id)
    assert stored.details == {"filters": {}, "rows": 6} and stored.ip == "192.0.2.1"


def test_file_names_are_safe():
    world = build_world()
    table = evaluation.heatmap(db.session, world.scope)
    assert exports.filename(table, "csv", suffix="Kenya / 2026") == "heatmap-kenya-2026.csv"
