"""CSV and XLSX exports: numbers stay numbers, a hidden figure is an empty cell named in the last
column, p-values are never rounded to 0, each file says what it is (context block or sheet), names
carry the filters, formulas are escaped, person-level rows are pseudonymised by default, and an audit
event is left per export."""

import csv
import io
import re
import zipfile
from datetime import UTC, date, datetime
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.services import evaluation
from app.services.audit import Actor
from app.services.evaluation import NOT_ENOUGH, Filters, Suppressed, Table, exports
from app.services.spreadsheet import BOM, csv_bytes
from tests.factories import UserFactory
from tests.unit.analytics_fixture import build_world

NS = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
HIDDEN = "Hidden figures"


def split_csv(data: bytes | str) -> tuple[list[list[str]], list[list[str]]]:
    """(the context lines, the table's rows) of a CSV file: its bytes (with the BOM) or its text.
    Asserts the layout: lines starting with "# ", one blank line, then the table."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix(BOM)
    rows = list(csv.reader(io.StringIO(text)))
    context = []
    while rows and rows[0] and rows[0][0].startswith("# "):
        context.append(rows.pop(0))
    if context:
        assert rows[0] == [], "the context block ends with one blank line"
        rows.pop(0)
    return context, rows


def read_csv(data: bytes | str) -> list[list[str]]:
    return split_csv(data)[1]


def context_of(data: bytes | str) -> dict[str, str]:
    """The context block of a CSV file as {label: value}."""
    return {row[0].removeprefix("# "): row[1] for row in split_csv(data)[0]}


def read_xlsx(data: bytes) -> list[list[str]]:
    """The first sheet's cells as text, read from the XML inside the zip. Also asserts no cell holds
    a formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = book.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))  # noqa: S314 - our own output
            shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['s']}}}t"))
                      for si in root.findall("s:si", NS)]
        sheets = [name for name in names if name.startswith("xl/worksheets/sheet")]
        for name in sheets:
            root = ElementTree.fromstring(book.read(name))  # noqa: S314 - our own output
            assert root.findall(".//s:f", NS) == []  # no formulas, ever
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))  # noqa: S314 - our own output
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


def with_reasons(rows: list[list[str]]) -> list[list[str]]:
    """A table read from a file (CSV or XLSX, as text) with each figure not shown read back from the
    last column: its empty cell holds the reason ("fewer than 5"), and the last column is dropped.
    Asserts that every column named there is empty."""
    header, *data = rows
    assert header[-1] == HIDDEN, header
    columns = header[:-1]
    out = [columns]
    for row in data:
        row = row + [""] * (len(header) - len(row))
        cells = row[:-1]
        for group in filter(None, row[-1].split(" | ")):
            reason, names = group.split(": ", 1)
            for name in names.split("; "):
                index = columns.index(name)
                assert cells[index] == "", (name, row)
                cells[index] = reason
        out.append(cells)
    return out


def open_xlsx(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def about_of(data: bytes) -> dict[str, str]:
    """The "About this file" sheet of an XLSX file as {label: value}."""
    sheet = open_xlsx(data).worksheets[1]
    return {label: value for label, value in sheet.iter_rows(values_only=True)}


def _context(**overrides) -> exports.Context:
    return exports.Context(**{
        "title": "Change by competency", "place": "Kenya (KE)",
        "made_at": datetime(2026, 12, 3, 12, 4, tzinfo=UTC),
        "filters": (("Campaign", "Follow-up 2026 (follow-up 1)"), ("Organisation", "Ministry of Finance"),
                    ("Results", "Validated results only")),
        "time_zone": "Africa/Nairobi", "k": 5, "method": "Small-cell threshold.",
        "note": "Figures about fewer than 5 officials are hidden.", **overrides})


def _stats_table() -> Table:
    """A made-up change table: one row with every kind of figure, one with markers."""
    rows = [{"group": "Data", "pairs": 12, "change": 0.123456, "p": 6.5e-6, "p_adjusted": 0.0312,
             "cohens_dz": 1.23456, "flagged": True},
            {"group": "Ethics", "pairs": Suppressed(5), "change": Suppressed(5), "p": NOT_ENOUGH,
             "p_adjusted": None, "cohens_dz": NOT_ENOUGH, "flagged": False}]
    return Table("change-by-competency", ("group", "pairs", "change", "p", "p_adjusted", "cohens_dz",
                                          "flagged"), rows, 5)


WORDING = exports.Wording(headers={"group": "Competency", "pairs": "Pairs", "change": "Mean change",
                                   "p": "p (paired t-test)", "p_adjusted": "p adjusted (Holm)",
                                   "cohens_dz": "Effect size (Cohen's d_z)"},
                          suppressed="fewer than 5")


# Cells -----------------------------------------------------------------------------------------------

def test_a_hidden_figure_is_an_empty_cell_named_in_the_last_column_of_the_csv():
    header, data, markers = read_csv(exports.to_csv(_stats_table(), wording=WORDING))
    assert header == ["Competency", "Pairs", "Mean change", "p (paired t-test)", "p adjusted (Holm)",
                      "Effect size (Cohen's d_z)", "flagged", HIDDEN]
    assert data == ["Data", "12", "0.1235", "6.5e-06", "0.0312", "1.2346", "yes", ""]
    assert markers[1:7] == ["", "", "", "", "", "no"]
    assert markers[7] == ("fewer than 5: Pairs; Mean change | not enough data: p (paired t-test); "
                          "Effect size (Cohen's d_z)")


def test_p_values_keep_three_significant_digits_and_are_never_zero():
    table = _stats_table()
    assert exports.number(6.5e-6, "p") == 6.5e-06 != 0
    assert exports.number(0.031234, "p_adjusted") == 0.0312
    assert exports.number(0.123456, "change") == 0.1235  # other floats: 4 decimals
    frame = pd.read_csv(io.StringIO(exports.to_csv(table, wording=WORDING)))
    assert frame["p (paired t-test)"][0] == pytest.approx(6.5e-6)
    sheet = open_xlsx(exports.to_xlsx(table, wording=WORDING)).worksheets[0]
    p_cell = sheet["D2"]
    assert p_cell.value == pytest.approx(6.5e-6) and p_cell.number_format == exports.P_FORMAT
    assert sheet["E2"].value == pytest.approx(0.0312) and sheet["E2"].number_format == exports.P_FORMAT
    assert sheet["C2"].value == pytest.approx(0.1235) and sheet["C2"].number_format == "General"


def test_xlsx_numbers_are_numbers_and_hidden_figures_empty_shaded_cells_with_a_comment():
    sheet = open_xlsx(exports.to_xlsx(_stats_table(), wording=WORDING)).worksheets[0]
    assert [c.value for c in sheet[1]][-1] == HIDDEN
    assert sheet["B2"].value == 12 and isinstance(sheet["B2"].value, int)
    assert isinstance(sheet["C2"].value, float) and sheet["G2"].value == "yes"
    for ref, reason in (("B3", "fewer than 5"), ("C3", "fewer than 5"), ("D3", "not enough data"),
                        ("F3", "not enough data")):
        assert sheet[ref].value is None, ref  # empty: no text in a number column
        assert reason in sheet[ref].comment.text, ref
        assert sheet[ref].fill.fgColor.rgb.endswith(exports.NOT_SHOWN_FILL.lstrip("#")), ref
    assert sheet["E3"].value is None and sheet["E3"].comment is None  # None: nothing to show, not hidden
    assert sheet["H3"].value.startswith("fewer than 5: Pairs; Mean change")
    assert not any(isinstance(c.value, str) and "fewer" in c.value for c in sheet["B"])


def test_a_group_of_four_is_hidden_in_csv_and_xlsx_and_the_total_shown():
    world = build_world()
    table = evaluation.heatmap(db.session, world.scope, Filters(competency_id=world.c1.id), k=5)
    csv_rows = read_csv(exports.to_csv(table))
    assert csv_rows[0] == [*table.columns, HIDDEN]
    by_org = {row[0]: row for row in csv_rows[1:]}
    assert by_org[world.o2.name][3:5] == ["", ""]  # O2: 4 officials
    assert by_org[world.o2.name][-1] == "fewer than 5: officials; mean_gap"
    assert float(by_org["All organisations"][3]) == 10
    assert float(by_org["All organisations"][4]) == pytest.approx(0.9)
    sheet = open_xlsx(exports.to_xlsx(table)).worksheets[0]
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert [c.value for c in cells[world.o2.name][3:5]] == [None, None]
    assert cells["All organisations"][3].value == 10


def test_the_caller_words_the_headers_and_markers_as_its_page_does():
    world = build_world()
    table = evaluation.change_by_organisation(db.session, world.scope, k=5)
    wording = exports.Wording(headers={"pairs": "Paires"}, hidden="Chiffres masqués", suppressed="moins de 5",
                              not_enough="pas assez de données")
    text = exports.to_csv(table, wording=wording)
    assert "moins de 5: Paires" in text and "fewer than" not in text
    assert read_csv(text)[0][4] == "Paires" and read_csv(text)[0][-1] == "Chiffres masqués"
    sheet = open_xlsx(exports.to_xlsx(table, wording=wording)).worksheets[0]
    assert any(c.comment is not None and c.comment.text.startswith("moins de 5") for row in sheet.iter_rows()
               for c in row)


def test_formula_cells_are_escaped_in_csv_and_xlsx_and_in_the_context():
    world = build_world(prefix="=1+2 ")
    world.o2.name = "@SUM(A1) agency"
    world.follow_up.cycle_label = "-follow-up"
    db.session.flush()
    table = evaluation.participation_funnel(db.session, world.scope, k=1)
    context = _context(filters=(("Campaign", "=HYPERLINK(1)"),))
    data = exports.to_xlsx(table, context=context)
    for rows in (read_csv(exports.to_csv(table)), read_xlsx(data)):
        cells = {cell for row in rows for cell in row}
        assert {"'=1+2 Ministry of Finance", "'=1+2 Baseline 2025", "'@SUM(A1) agency",
                "'-follow-up"} <= cells
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert context_of(exports.to_csv(table, context=context))["Campaign"] == "'=HYPERLINK(1)"
    assert about_of(data)["Campaign"] == "'=HYPERLINK(1)"


# Context ---------------------------------------------------------------------------------------------

def test_the_csv_opens_with_its_context_and_pandas_reads_the_table_after_it():
    text = exports.to_csv(_stats_table(), wording=WORDING, context=_context())
    lines = text.splitlines()
    assert lines[0] == '# Table,"Change by competency"'
    blank = lines.index("")
    assert all(line.startswith("# ") for line in lines[:blank])
    assert lines[blank + 1].startswith('"Competency","Pairs"')
    assert context_of(text) == {
        "Table": "Change by competency", "Country": "Kenya (KE)",
        "Campaign": "Follow-up 2026 (follow-up 1)", "Organisation": "Ministry of Finance",
        "Results": "Validated results only", "Made (UTC)": "2026-12-03 12:04 UTC",
        "Made (local time)": "2026-12-03 15:04 EAT (Africa/Nairobi)", "Small-cell threshold (K)": "5",
        "Disclosure method": "Small-cell threshold.",
        "Note": "Figures about fewer than 5 officials are hidden."}
    for read in ({"comment": "#"}, {"skiprows": blank + 1}):
        frame = pd.read_csv(io.BytesIO(csv_bytes(text)), encoding="utf-8-sig", **read)
        assert list(frame.columns)[:2] == ["Competency", "Pairs"] and len(frame) == 2
        assert frame["Pairs"].dtype.kind == "f" and frame["Pairs"][0] == 12  # numeric, empty = NaN
        assert frame["p (paired t-test)"][0] == pytest.approx(6.5e-6)


def test_a_hash_inside_a_name_does_not_cut_the_row_when_pandas_skips_comments():
    table = Table("participation", ("organisation", "invited"), [{"organisation": "Team #2", "invited": 7}],
                  5)
    frame = pd.read_csv(io.StringIO(exports.to_csv(table, context=_context())), comment="#")
    assert frame.iloc[0].tolist() == ["Team #2", 7, pytest.approx(float("nan"), nan_ok=True)]


def test_the_xlsx_has_an_about_this_file_sheet_with_the_same_context():
    book = open_xlsx(exports.to_xlsx(_stats_table(), wording=WORDING, context=_context()))
    assert book.sheetnames == ["Change by competency", "About this file"]
    about = {label: value for label, value in book["About this file"].iter_rows(values_only=True)}
    assert about == context_of(exports.to_csv(_stats_table(), context=_context()))


def test_without_a_known_time_zone_the_context_gives_utc_only():
    lines = dict(_context(time_zone="Not/AZone").lines())
    assert lines["Made (UTC)"] == "2026-12-03 12:04 UTC" and "Made (local time)" not in lines
    assert _context(time_zone=None, made_at=datetime(2026, 12, 3, 23, 30, tzinfo=UTC)).made_on() == date(
        2026, 12, 3)
    # 23:30 UTC is already the next day in Nairobi: the file is dated as the focal point sees it
    assert _context(made_at=datetime(2026, 12, 3, 23, 30, tzinfo=UTC)).made_on() == date(2026, 12, 4)
    assert "Small-cell threshold (K)" not in dict(_context(k=None).lines())


def test_french_and_arabic_names_survive_a_csv_round_trip():
    names = ["Ministère de l'Économie", "وزارة المالية"]
    table = Table("participation", ("organisation", "invited"),
                  [{"organisation": name, "invited": 9} for name in names], 5)
    data = csv_bytes(exports.to_csv(table, context=_context(place="Côte d'Ivoire (CI)")))
    assert data.startswith(b"\xef\xbb\xbf") and not data[3:].startswith(b"\xef\xbb\xbf")
    assert [row[0] for row in read_csv(data)[1:]] == names
    assert context_of(data)["Country"] == "Côte d'Ivoire (CI)"
    assert pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", comment="#")["organisation"].tolist() == names


# File names ------------------------------------------------------------------------------------------

def test_file_names_carry_the_filters_and_the_date_and_are_ascii():
    name = exports.filename("change-by-competency", "xlsx",
                            ["ke", exports.option_slug("campaign", 3, {3: "Follow-up 2026", 4: "Baseline"}),
                             exports.option_slug("org", 7, {7: "Ministry of Finance"}), "validated"],
                            date(2026, 12, 3))
    assert name == ("change-by-competency_ke_campaign-follow-up-2026_org-ministry-of-finance_validated_"
                    "2026-12-03.xlsx")
    assert exports.slug("Ministère de l'Économie") == "ministere-de-l-economie"
    assert exports.slug("x" * 100) == "x" * exports.SLUG_LENGTH


def test_two_filters_never_give_the_same_file_name():
    options = {1: "وزارة المالية", 2: "وزارة الصحة", 3: "Finance", 4: "Finance", 5: "Finance 4",
               6: "Ministry of " + "Finance " * 10 + "A", 7: "Ministry of " + "Finance " * 10 + "B"}
    parts = {exports.option_slug("org", option, options) for option in options}
    assert len(parts) == len(options)
    assert exports.option_slug("org", 1, options) == "org--1"  # Arabic script: the id tells it apart
    names = {exports.filename("heatmap", "csv", ["ke", part], date(2026, 1, 1)) for part in parts}
    names |= {exports.filename("heatmap", "csv", ["ke"], date(2026, 1, 1)),
              exports.filename("heatmap", "csv", ["ke", "validated"], date(2026, 1, 1)),
              exports.filename("heatmap", "csv", ["all"], date(2026, 1, 1))}
    assert len(names) == len(options) + 3
    assert all(re.fullmatch(r"[a-z0-9_-]+\.csv", name) and len(name) < 120 for name in names)


# Person-level and audit ------------------------------------------------------------------------------

def test_person_level_export_is_pseudonymised_by_default():
    world = build_world()
    table = evaluation.person_levels(db.session, world.scope, key="secret")
    text = exports.to_csv(table)
    for official in world.officials.values():
        assert official.name not in text and official.email not in text
    header, *rows = read_csv(text)
    assert header[:5] == ["person", "organisation", "role_profile", "campaign", "cycle_label"]
    assert header[5:] == [world.c1.code, world.c2.code, HIDDEN]
    assert len(rows) == 10 and all(re.fullmatch(r"P-[0-9a-f]{16}", row[0]) for row in rows)
    u1 = evaluation.pseudonym(world.officials[1].id, "secret")
    assert [row[5:7] for row in rows if row[0] == u1] == [["3", "2"]]  # u1's follow-up levels
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
    event = exports.record_export(db.session, Actor(admin, "192.0.2.1"), f"{table.name}.xlsx",
                                  world.country.id, {"filters": {}, "rows": len(table.rows)})
    db.session.flush()
    stored = db.session.scalar(select(AuditEvent).where(AuditEvent.id == event.id))
    assert (stored.actor_id, stored.action, stored.object_type, stored.object_id, stored.country_id) == (
        admin.id, "analytics.export", "Export", "heatmap.xlsx", world.country.id)
    assert stored.details == {"filters": {}, "rows": 6} and stored.ip == "192.0.2.1"
