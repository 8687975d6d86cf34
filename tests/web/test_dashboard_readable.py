"""What a focal point reads on the dashboard: no "-0.0" in a table, chart or file; the heatmap's
competencies by name, in the same colours as its table; the maturity dimensions in words; a way
from each content gap to what to do about it; and the statistics' terms explained where they are
used, without JavaScript, each in one place."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.content.schemas import MATURITY_DIMENSIONS
from app.extensions import db
from app.models import Campaign, OrganisationAssessment
from app.services.evaluation import exports
from app.services.evaluation.chart_parts import HEAT_COLOURS
from app.services.evaluation.common import Table
from tests.factories import FocalPointFactory, ResourceFactory, UserFactory
from tests.unit.analytics_fixture import build_world
from tests.unit.analytics_learning import NOW, add_learning
from tests.unit.test_chart_labels import texts
from tests.web.test_content_gap_report import _small_and_large_gaps


@pytest.fixture
def world():
    world = build_world(prefix="Aland ")
    add_learning(world)
    db.session.commit()
    return world


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# No "-0.0" ------------------------------------------------------------------------------------------

def test_a_figure_that_rounds_to_zero_reads_as_zero_in_the_tables(app):
    from app.dashboard.formatting import cell, interval  # noqa: PLC0415

    with app.test_request_context():
        assert [cell(-0.04, "level"), cell(-0.04, "change"), cell(0.01, "change"), cell(-0.0, "hours"),
                cell(-0.004, "percent"), cell(-0.004, "effect"), cell(-0.3)] == [
            "0.0", "0.0", "0.0", "0.0", "0%", "0.00", "0"]
        assert cell(-0.06, "change") == "-0.1" and cell(0.06, "change") == "+0.1"
        # the page's summary in words writes a small change with two decimals
        assert [cell(-0.004, "fine change"), cell(0.03, "fine change")] == ["0.00", "+0.03"]
        assert interval(-0.04, 0.31) == "0.0 to +0.3"


def test_a_figure_that_rounds_to_zero_is_written_0_0_in_the_files():
    assert str(exports.number(-0.00001, "change")) == "0.0"
    table = Table("t", ("change",), [type("Row", (), {"change": -0.00001})()], 5)
    assert "-0.0" not in exports.to_csv(table)


# The heatmap: names, and one colour scale with its table -------------------------------------------

def test_the_heatmap_names_its_competencies_and_colours_as_its_table(browser, world):
    browser.sign_in_as(FocalPointFactory(country=world.country))
    drawn = texts(browser.get("/dashboard/chart/heatmap.svg").get_data())
    svg = browser.get("/dashboard/chart/heatmap.svg").get_data(as_text=True)
    for competency in (world.c1, world.c2):
        assert competency.name in drawn and competency.code not in drawn
    fills = {colour.lower() for colour in re.findall(r'fill="(#[0-9a-f]{6})"', svg)}
    assert fills & {c.lower() for c in HEAT_COLOURS}, fills  # the cells take the table's colours
    html = html_of(browser.get("/dashboard/skills"))
    heat_table = html[html.index('class="govuk-table app-heatmap"'):]
    heat_table = heat_table[:heat_table.index("</table>")]
    header = heat_table[heat_table.index("<thead"):heat_table.index("</thead>")]
    assert world.c1.name in header and world.c2.name in header  # names, not codes only


# Maturity: the dimensions in words ------------------------------------------------------------------

def test_the_maturity_table_names_each_dimension_in_words(browser, world):
    db.session.add(OrganisationAssessment(
        campaign=world.follow_up, organisation=world.o2, country_id=world.country.id,
        instrument=world.follow_up.instrument, status="submitted", submitted_at=NOW,
        dimension_scores={"data_governance": {"score": 1.5, "level": 1, "items": 3},
                          "infrastructure": {"score": 2.0, "level": 2, "items": 3}}, maturity_level=1.75))
    db.session.commit()
    browser.sign_in_as(FocalPointFactory(country=world.country))
    html = html_of(browser.get("/dashboard/"))
    maturity = html[html.index('id="maturity"'):]
    assert "Data governance" in maturity and "Infrastructure" in maturity and "Overall" in maturity
    assert "data_governance" not in maturity and ">infrastructure<" not in maturity
    for file_format in ("csv", "xlsx"):  # and so do its files
        download = browser.get(f"/dashboard/export/organisation-maturity.{file_format}")
        assert download.status_code == 200
        text = (download.get_data(as_text=True) if file_format == "csv"
                else _xlsx_text(download.get_data()))
        assert "Data governance" in text and "data_governance" not in text


def test_every_maturity_dimension_has_words(app):
    from app.dashboard.formatting import label  # noqa: PLC0415

    with app.test_request_context():
        assert all(label(key) != key and "_" not in label(key) for key in MATURITY_DIMENSIONS)


# Content gaps: what to do next ---------------------------------------------------------------------

def test_each_content_gap_links_to_the_catalogue_and_to_suggesting_material(browser):
    country = _small_and_large_gaps()
    competency = _gap_competency(country)
    ResourceFactory(languages=["de"], teaches={competency: (0, 3)})  # material, in another language
    db.session.commit()
    browser.sign_in_as(FocalPointFactory(country=country))
    for url in ("/dashboard/content-gaps", "/dashboard/skills"):
        html = html_of(browser.get(url))
        table = html[html.index('data-table="content-gaps"'):]
        table = table[:table.index("</table>")]
        rows = table.split('<tr class="govuk-table__row">')[2:]
        assert len(rows) == 2, url
        for row in rows:
            assert f"/catalogue/?competency={competency.id}&amp;level=1" in row, row
            assert "/catalogue/suggest" in row
    browser.sign_in_as(UserFactory(admin=True))
    html = html_of(browser.get(f"/dashboard/content-gaps?country={country.id}"))
    assert "/catalogue/suggestions" in html  # curators: the suggestions waiting for review


def _gap_competency(country):
    campaign = db.session.scalars(select(Campaign).where(Campaign.country_id == country.id)).one()
    return campaign.instrument.framework.competencies[0]


# Help for the statistics' terms ---------------------------------------------------------------------

TERMS = {
    "/dashboard/change": ("confidence interval", "effect size", "not assessed", "hidden", "moved slightly"),
    "/dashboard/skills": ("mean gap", "not assessed", "hidden"),
}


def test_the_statistics_pages_explain_their_terms_behind_a_disclosure(browser, world):
    browser.sign_in_as(FocalPointFactory(country=world.country))
    for url, terms in TERMS.items():
        html = html_of(browser.get(url))
        details = re.findall(r'<details class="govuk-details app-terms"[^>]*>(.*?)</details>', html, re.S)
        assert details, url
        words = " ".join(details).lower()
        for term in terms:
            assert term in words, (url, term)


def test_the_help_page_has_a_glossary_with_one_definition_each(browser):
    browser.sign_in_as(UserFactory())
    html = html_of(browser.get("/help"))
    glossary = html[html.index('id="glossary"'):]
    terms = re.findall(r'<dt class="app-glossary__term" id="term-([a-z-]+)">', glossary)
    assert {"confidence-interval", "effect-size", "not-assessed", "hidden", "cell-key-noise"} <= set(terms)
    assert len(terms) == len(set(terms))


def _xlsx_text(data: bytes) -> str:
    import io  # noqa: PLC0415
    import zipfile  # noqa: PLC0415

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return "".join(book.read(name).decode() for name in book.namelist() if name.endswith(".xml"))
