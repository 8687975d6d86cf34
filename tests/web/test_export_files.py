"""Every download is a file a ministry can open in Excel and trust: UTF-8 with a BOM and one charset,
readable headers for every column, numbers as numbers and hidden figures as empty cells, the context
(what, where, which filters, when, K) in the file, and a name that carries the filters and the date.

Data: tests/unit/analytics_fixture.py (+ analytics_learning.py): Aland, O2 (Revenue Agency) has 4
officials (k = 5)."""

from __future__ import annotations

import importlib
import io
import pkgutil
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

import app.services.evaluation as evaluation_package
from app.dashboard.headers import HEADERS, PERSON_HEAD, TABLE_HEADERS, header
from app.dashboard.selection import Selection
from app.dashboard.tables import SPECS
from app.extensions import db
from app.services import evaluation
from app.services.evaluation import Filters, exports
from tests.factories import CampaignFactory, CountryFactory, FocalPointFactory, UserFactory
from tests.unit.analytics_fixture import build_world
from tests.unit.analytics_learning import add_learning
from tests.unit.test_exports import HIDDEN, about_of, context_of, open_xlsx, read_csv

BOM = b"\xef\xbb\xbf"
CSV_TYPE = "text/csv; charset=utf-8"
DATE = r"\d{4}-\d\d-\d\d"


@pytest.fixture
def world():
    world = build_world(country=CountryFactory(name="Aland"), prefix="Aland ")
    add_learning(world)
    db.session.commit()
    return world


def _file_name(response) -> str:
    match = re.fullmatch(r'attachment; filename="([a-z0-9_.-]+)"', response.headers["Content-Disposition"])
    assert match, response.headers["Content-Disposition"]
    return match.group(1)


def _csv(response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == CSV_TYPE  # one charset, not "charset=utf-8; charset=utf-8"
    assert response.get_data().startswith(BOM) and not response.get_data()[3:].startswith(BOM)
    return response.get_data()


# Every CSV in the app ----------------------------------------------------------------------------------

def test_every_csv_download_has_the_bom_and_exactly_one_charset(browser, world):
    browser.sign_in_as(UserFactory(admin=True))
    responses = [browser.get(f"/dashboard/export/{spec.name}.csv?country={world.country.id}")
                 for spec in SPECS]
    responses += [browser.post(f"/dashboard/people?country={world.country.id}", {"file_format": "csv"}),
                  browser.get("/admin/items.csv"),
                  browser.post(f"/campaigns/{world.baseline.id}/links.csv",
                               token_from=f"/campaigns/{world.baseline.id}"),
                  browser.get(f"/dashboard/content-gaps?country={world.country.id}&format=csv",
                              follow_redirects=True)]
    for response in responses:
        data = _csv(response)
        assert response.headers["Content-Type"].count("charset") == 1
        assert data.decode("utf-8-sig")  # the rest is UTF-8


# Headers ---------------------------------------------------------------------------------------------

def _column_tuples():
    """Every ``*COLUMNS`` tuple of the analytics modules."""
    for module_info in pkgutil.iter_modules(evaluation_package.__path__):
        module = importlib.import_module(f"app.services.evaluation.{module_info.name}")
        for name, value in vars(module).items():
            if name.endswith("COLUMNS") and not name.startswith("_") and isinstance(value, tuple):
                yield f"{module_info.name}.{name}", value


def test_every_column_of_every_dashboard_table_has_a_readable_header(world):
    tuples = dict(_column_tuples())
    assert len(tuples) >= 10, tuples  # found them
    for where, columns in tuples.items():
        assert [c for c in columns if c not in HEADERS] == [], where
    selection = Selection(world.scope, world.country, Filters(), {"country": world.country.id})
    tables = [spec.build(db.session, selection, 5) for spec in SPECS]
    tables.append(evaluation.person_levels(db.session, world.scope, key="k", pseudonymise=False))
    for table in tables:
        columns = [c for c in table.columns if table.name != "officials-levels" or c in PERSON_HEAD]
        labels = [header(table.name, column) for column in columns]
        assert None not in labels, (table.name, dict(zip(columns, labels, strict=True)))
        assert len(set(labels)) == len(labels), (table.name, labels)  # no two columns read the same
        assert all(label != column for label, column in zip(labels, columns, strict=True)), table.name
    assert {name for name, _column in TABLE_HEADERS} <= {spec.name for spec in SPECS}


def test_the_files_have_the_readable_headers(browser, world):
    browser.sign_in_as(FocalPointFactory(country=world.country))
    header_row = read_csv(_csv(browser.get("/dashboard/export/change-by-competency.csv")))[0]
    assert header_row[:5] == ["Campaign", "Cycle", "Baseline campaign", "Competency", "Pairs"]
    assert {"p (paired t-test)", "p adjusted (Holm)", "Effect size (Cohen's d_z)", "95% CI, low",
            "Not assessed"} <= set(header_row) and header_row[-1] == HIDDEN
    sheet = open_xlsx(browser.get("/dashboard/export/resource-feedback.xlsx").get_data()).worksheets[0]
    assert "Share who would recommend it" in [c.value for c in sheet[1]]
    assert "share_recommend" not in [c.value for c in sheet[1]]


# Cells -----------------------------------------------------------------------------------------------

def test_hidden_figures_are_empty_cells_and_numbers_are_numbers(browser, world):
    browser.sign_in_as(FocalPointFactory(country=world.country))
    rows = read_csv(_csv(browser.get("/dashboard/export/participation.csv")))
    assert rows[0] == ["Campaign", "Cycle", "Organisation", "Officials invited", "Started", "Submitted",
                       HIDDEN]
    agency = next(r for r in rows if r[0] == "Aland Baseline 2025" and r[2] == "Aland Revenue Agency")
    assert agency[3:] == ["", "", "", "fewer than 5: Officials invited; Started; Submitted"]
    frame = pd.read_csv(io.BytesIO(_csv(browser.get("/dashboard/export/participation.csv"))),
                        encoding="utf-8-sig", comment="#")
    assert frame["Officials invited"].dtype.kind in "if"  # numeric: no "fewer than 5" in the column

    sheet = open_xlsx(browser.get("/dashboard/export/participation.xlsx").get_data()).worksheets[0]
    found = {(r[0].value, r[2].value): r for r in sheet.iter_rows(min_row=2)}
    agency = found[("Aland Baseline 2025", "Aland Revenue Agency")]
    assert [c.value for c in agency[3:6]] == [None, None, None]
    assert all("fewer than 5" in c.comment.text for c in agency[3:6])
    total = found[("Aland Baseline 2025", "All organisations")]
    assert all(isinstance(c.value, int) and c.value >= 5 for c in total[3:6])


def test_p_values_in_the_xlsx_are_numbers_shown_as_below_0_001_when_small(browser, world):
    browser.sign_in_as(FocalPointFactory(country=world.country))
    sheet = open_xlsx(browser.get("/dashboard/export/change-by-competency.xlsx").get_data()).worksheets[0]
    columns = [c.value for c in sheet[1]]
    p_cells = [row[columns.index("p (paired t-test)")] for row in sheet.iter_rows(min_row=2)]
    numbers = [c for c in p_cells if c.value is not None]
    assert numbers and all(isinstance(c.value, float) and c.number_format == exports.P_FORMAT
                           for c in numbers)


# Context ---------------------------------------------------------------------------------------------

def test_the_file_says_what_it_is_where_which_filters_when_and_k(app, browser, world):
    browser.sign_in_as(FocalPointFactory(country=world.country))
    query = f"campaign={world.follow_up.id}&organisation={world.o1.id}&results=validated"
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    csv_context = context_of(_csv(browser.get(f"/dashboard/export/change-by-competency.csv?{query}")))
    assert {key: csv_context[key] for key in ("Table", "Country", "Campaign", "Organisation", "Role profile",
                                              "Results", "Small-cell threshold (K)")} == {
        "Table": "Change by competency", "Country": f"Aland ({world.country.code})",
        "Campaign": "Aland Follow-up 2026 (follow-up 1)", "Organisation": "Aland Ministry of Finance",
        "Role profile": "All role profiles", "Results": "Validated results only",
        "Small-cell threshold (K)": "5"}
    made = datetime.strptime(csv_context["Made (UTC)"], "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    assert before <= made <= datetime.now(UTC)
    local = made + timedelta(hours=3)  # Nairobi: UTC+3, no summer time
    assert csv_context["Made (the country's time)"] == f"{local:%Y-%m-%d %H:%M} EAT (Africa/Nairobi)"
    assert "Figures about fewer than 5 officials are hidden (empty cells, listed in the last column)." in (
        csv_context["Note"])
    if app.config["DISCLOSURE_NOISE"]:
        assert "cell-key perturbation" in csv_context["Note"]
        assert "cell-key" in csv_context["Disclosure method"]

    response = browser.get(f"/dashboard/export/change-by-competency.xlsx?{query}")
    assert open_xlsx(response.get_data()).sheetnames == ["Change by competency", "About this file"]
    about = about_of(response.get_data())
    assert set(about) == set(csv_context)
    assert {k: v for k, v in about.items() if not k.startswith("Made")} == {
        k: v for k, v in csv_context.items() if not k.startswith("Made")}


def test_an_admin_file_over_every_country_says_so(browser, world):
    CountryFactory(name="Bland")
    browser.sign_in_as(UserFactory(admin=True))
    response = browser.get("/dashboard/export/countries.csv")
    context = context_of(_csv(response))
    assert context["Country"] == "All countries you may see" and "Made (UTC)" in context
    assert "Made (the country's time)" not in context
    assert re.fullmatch(rf"countries_all_{DATE}\.csv", _file_name(response))


def test_organisation_figures_say_they_are_not_about_officials(browser, world):
    browser.sign_in_as(FocalPointFactory(country=world.country))
    context = context_of(_csv(browser.get("/dashboard/export/organisation-maturity.csv")))
    assert "Small-cell threshold (K)" not in context and "about organisations" in context["Disclosure method"]


def test_the_person_level_file_says_whether_names_are_in_it(browser, world):
    browser.sign_in_as(UserFactory(admin=True))
    url = f"/dashboard/people?country={world.country.id}"
    pseudonymised = browser.post(url, {"file_format": "csv"})
    assert context_of(_csv(pseudonymised))["Names"] == "Pseudonymised"
    assert re.fullmatch(rf"officials-levels_[a-z]{{2}}_{DATE}\.csv", _file_name(pseudonymised))
    named = browser.post(url, {"file_format": "xlsx", "include_names": "y", "confirm": "y"})
    assert about_of(named.get_data())["Names"] == "Names and e-mail addresses included"
    assert re.fullmatch(rf"officials-levels_[a-z]{{2}}_named_{DATE}\.xlsx", _file_name(named))


# File names ------------------------------------------------------------------------------------------

def test_file_names_carry_the_filters_and_the_date_and_two_filters_never_share_one(browser, world):
    # another campaign of the same name: the id tells them apart
    CampaignFactory(country=world.country, name="Aland Follow-up 2026", cycle_label="follow-up 1")
    browser.sign_in_as(FocalPointFactory(country=world.country))
    code = world.country.code.lower()
    queries = ["", f"campaign={world.follow_up.id}", f"campaign={world.baseline.id}",
               f"organisation={world.o1.id}", f"organisation={world.o2.id}", "results=validated",
               f"role_profile={world.role.id}",
               f"campaign={world.follow_up.id}&organisation={world.o1.id}&results=validated"]
    names = [_file_name(browser.get(f"/dashboard/export/change-by-competency.xlsx?{q}")) for q in queries]
    assert len(set(names)) == len(queries), names
    today = datetime.now(UTC).astimezone(ZoneInfo("Africa/Nairobi")).date().isoformat()
    assert names[0] == f"change-by-competency_{code}_{today}.xlsx"
    assert names[-1] == (f"change-by-competency_{code}_campaign-aland-follow-up-2026-follow-up-1--"
                         f"{world.follow_up.id}_org-aland-ministry-of-finance_validated_{today}.xlsx")
    assert names[2] == f"change-by-competency_{code}_campaign-aland-baseline-2025-baseline_{today}.xlsx"


def test_french_and_arabic_names_survive_the_csv_and_the_file_name(browser, world):
    world.o1.name, world.o2.name = "Ministère de l'Économie", "وزارة المالية"
    db.session.commit()
    browser.sign_in_as(FocalPointFactory(country=world.country))
    data = _csv(browser.get("/dashboard/export/participation.csv"))
    assert {"Ministère de l'Économie", "وزارة المالية"} <= {row[2] for row in read_csv(data)}
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", comment="#")
    assert "وزارة المالية" in set(frame["Organisation"])
    french = browser.get(f"/dashboard/export/participation.csv?organisation={world.o1.id}")
    arabic = browser.get(f"/dashboard/export/participation.csv?organisation={world.o2.id}")
    assert "_org-ministere-de-l-economie_" in _file_name(french)
    assert f"_org--{world.o2.id}_" in _file_name(arabic)  # no Latin letters: the id tells it apart
    assert context_of(_csv(arabic))["Organisation"] == "وزارة المالية"
