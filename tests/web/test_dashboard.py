"""The dashboard pages, charts and exports: a focal point sees their own country only (page, chart,
CSV, XLSX; another country's id is a 404), a group of 4 officials is "fewer than 5" everywhere, the
files are safe to open in a spreadsheet, and no page needs JavaScript.

Data: two countries built by tests/unit/analytics_fixture.py (+ analytics_learning.py), Aland and
Bland, whose every name starts with the country's prefix. O2 of each has 4 officials (k = 5)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, FocalPointScope
from tests.factories import CountryFactory, FocalPointFactory, OrganisationFactory, UserFactory
from tests.unit.analytics_fixture import BASELINE_AT, FOLLOW_UP_AT, build_world, submit
from tests.unit.analytics_learning import add_learning
from tests.unit.test_exports import read_csv, read_xlsx, with_reasons

PAGES = ("/dashboard/", "/dashboard/skills", "/dashboard/change", "/dashboard/learning")
TABLES = ("participation", "organisation-maturity", "heatmap", "levels", "assets", "content-gaps", "trend",
          "indicators", "pairing-by-organisation", "change-by-competency", "change-by-organisation",
          "change-by-role-profile", "learning-activity", "resource-feedback", "path-feedback", "follow-ups")
CHARTS = ("participation", "heatmap", "levels", "assets", "trend", "change-by-competency",
          "learning-activity", "follow-ups")
INLINE = re.compile(r"<style|\sstyle\s*=|<script(?![^>]*\ssrc=)", re.I)
FEWER = "fewer than 5"  # why a figure is hidden, in a file's last column
HIDDEN = "hidden"  # a hidden figure on a page or chart, whatever the column


@pytest.fixture
def worlds():
    a = build_world(country=CountryFactory(name="Aland"), prefix="Aland ")
    b = build_world(country=CountryFactory(name="Bland"), prefix="Bland ")
    learning = {"a": add_learning(a), "b": add_learning(b)}
    db.session.commit()
    return a, b, learning


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    assert not INLINE.search(html), INLINE.search(html).group(0)
    return html


def csv_of(response) -> list[list[str]]:
    """The table of a CSV download (after its context block), each figure not shown read back from
    the last column as its reason ("fewer than 5"): tests.unit.test_exports.with_reasons."""
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.get_data().startswith(b"\xef\xbb\xbf")
    assert "attachment" in response.headers["Content-Disposition"]
    return with_reasons(read_csv(response.get_data()))


def xlsx_of(response) -> list[list[str]]:
    """The first sheet of an XLSX download, read the same way as csv_of."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return with_reasons(read_xlsx(response.get_data()))


def text_of(rows: list[list[str]]) -> str:
    return "\n".join("|".join(row) for row in rows)


def row_named(rows: list[list[str]], *cells: str) -> list[str]:
    found = [row for row in rows if all(c in row for c in cells)]
    assert len(found) == 1, (cells, found)
    return found[0]


# Scope: a focal point sees their own country only ---------------------------------------------------

def test_a_focal_point_sees_only_their_country_on_every_page(browser, worlds):
    a, b, learning = worlds
    browser.sign_in_as(FocalPointFactory(country=a.country))
    seen = ""
    for url in PAGES:
        html = page_of(browser.get(url))
        assert "Bland" not in html, url
        assert learning["b"]["r"].title not in html and learning["b"]["s"].title not in html, url
        seen += html
    for name in ("Aland Ministry of Finance", "Aland Revenue Agency", "Aland Baseline 2025",
                 "Aland Follow-up 2026", learning["a"]["r"].title, "Services online (Aland Ministry"):
        assert name in seen, name


def test_a_focal_point_gets_only_their_country_in_every_export(browser, worlds):
    a, b, learning = worlds
    browser.sign_in_as(FocalPointFactory(country=a.country))
    everything = ""
    for name in TABLES:
        for rows in (csv_of(browser.get(f"/dashboard/export/{name}.csv")),
                     xlsx_of(browser.get(f"/dashboard/export/{name}.xlsx"))):
            text = text_of(rows)
            assert "Bland" not in text, name
            assert learning["b"]["r"].code not in text and learning["b"]["s"].code not in text, name
            everything += text
    assert "Aland Revenue Agency" in everything and learning["a"]["r"].code in everything


def test_another_countrys_ids_are_not_found_on_every_page_chart_and_export(browser, worlds):
    a, b, _learning = worlds
    browser.sign_in_as(FocalPointFactory(country=a.country))
    urls = ([*PAGES] + [f"/dashboard/chart/{name}.svg" for name in CHARTS]
            + [f"/dashboard/export/{name}.{fmt}" for name in TABLES for fmt in ("csv", "xlsx")])
    for url in urls:
        for query in (f"country={b.country.id}", f"organisation={b.o2.id}", f"campaign={b.baseline.id}",
                      "country=999999", "campaign=abc"):
            assert browser.get(f"{url}?{query}").status_code == 404, (url, query)
        assert browser.get(f"{url}?country={a.country.id}&organisation={a.o1.id}").status_code == 200, url


def test_charts_are_svg_images_of_the_country_in_view(browser, worlds):
    a, _b, _learning = worlds
    browser.sign_in_as(FocalPointFactory(country=a.country))
    for name in CHARTS:
        for query in ("", f"?campaign={a.follow_up.id}", f"?organisation={a.o1.id}"):
            response = browser.get(f"/dashboard/chart/{name}.svg{query}")
            assert response.status_code == 200, name
            assert response.mimetype == "image/svg+xml"
            body = response.get_data(as_text=True)
            assert "<svg" in body and "Bland" not in body and not INLINE.search(body), name
    assert browser.get("/dashboard/chart/nothing.svg").status_code == 404
    assert browser.get("/dashboard/chart/countries.svg").status_code == 403


def test_a_focal_point_of_two_countries_can_pick_one(browser, worlds):
    a, b, _learning = worlds
    focal_point = FocalPointFactory(country=a.country)
    db.session.add(FocalPointScope(user_id=focal_point.id, country_id=b.country.id))
    db.session.commit()
    browser.sign_in_as(focal_point)
    both = page_of(browser.get("/dashboard/"))
    assert "Aland Baseline 2025" in both and "Bland Baseline 2025" in both
    assert 'name="country"' in both  # the country filter shows with more than one country
    only_b = page_of(browser.get(f"/dashboard/?country={b.country.id}"))
    assert "Bland Baseline 2025" in only_b and "Aland Baseline 2025" not in only_b


def test_officials_are_refused_everything(browser, worlds):
    a, _b, _learning = worlds
    browser.sign_in_as(a.officials[1])
    for url in [*PAGES, "/dashboard/countries", "/dashboard/people", "/dashboard/chart/heatmap.svg",
                "/dashboard/export/heatmap.csv", "/dashboard/export/heatmap.xlsx"]:
        assert browser.get(url).status_code == 403, url


# Small cells ----------------------------------------------------------------------------------------

def test_a_group_of_four_is_fewer_than_five_on_the_page_and_in_csv_and_xlsx(browser, worlds):
    """With the deployment's release layer (threshold 5, noise on): the Revenue Agency's 4 officials
    are hidden on their own everywhere; the Ministry (6) and the totals are shown, moved, and never
    under 5 (subtracting them gives noise: tests/unit/test_release_differencing.py)."""
    a, _b, _learning = worlds
    browser.sign_in_as(FocalPointFactory(country=a.country))
    html = page_of(browser.get("/dashboard/skills"))
    heat = html[html.index('class="govuk-table app-heatmap"'):]
    heat = heat[:heat.index("</table>")]
    agency = heat[heat.index("Aland Revenue Agency"):]
    agency = agency[:agency.index("</tr>")]
    assert agency.count(HIDDEN) == 2 and "app-heat--none" in agency
    for name in ("Aland Ministry of Finance", "All organisations"):
        row = heat[heat.index(name):]
        assert HIDDEN not in row[:row.index("</tr>")]

    def count(value: str) -> int:
        assert value.isdigit() and int(value) >= 5, value
        return int(value)

    for rows in (csv_of(browser.get("/dashboard/export/heatmap.csv")),
                 xlsx_of(browser.get("/dashboard/export/heatmap.xlsx"))):
        assert rows[0] == ["Organisation", "Competency code", "Competency", "Officials assessed",
                           "Mean gap (levels)", "Not assessed"]
        assert row_named(rows, "Aland Revenue Agency", a.c1.code)[3:] == [FEWER, FEWER, "0"]  # 0: no one
        ministry = row_named(rows, "Aland Ministry of Finance", a.c1.code)
        total = row_named(rows, "All organisations", a.c1.code)
        count(ministry[3]), count(total[3])
        assert 0 <= float(total[4]) <= 4

    for rows in (csv_of(browser.get("/dashboard/export/participation.csv")),
                 xlsx_of(browser.get("/dashboard/export/participation.xlsx"))):
        assert row_named(rows, "Aland Baseline 2025", "Aland Revenue Agency")[3:] == [FEWER] * 3
        for name in ("Aland Ministry of Finance", "All organisations"):
            [count(v) for v in row_named(rows, "Aland Baseline 2025", name)[3:]]
    page = page_of(browser.get("/dashboard/"))
    agency = page[page.index("Aland Revenue Agency</td>"):]
    assert agency[:agency.index("</tr>")].count(HIDDEN) == 3

    # The change by organisation: the agency's 3 pairs are hidden, every figure of them.
    for rows in (csv_of(browser.get("/dashboard/export/change-by-organisation.csv")),
                 xlsx_of(browser.get("/dashboard/export/change-by-organisation.xlsx"))):
        assert set(row_named(rows, "Aland Revenue Agency")[4:-1]) == {FEWER}
        count(row_named(rows, "Aland Ministry of Finance")[4]), count(row_named(rows, "All organisations")[4])


def test_a_hidden_figure_reads_hidden_in_every_column_never_like_a_value(browser, worlds):
    """"fewer than 5" in a mean-rating column reads like a rating: every hidden cell says "hidden"."""
    a, _b, _learning = worlds
    browser.sign_in_as(FocalPointFactory(country=a.country))
    cells = [cell for page in PAGES for cell in
             re.findall(r"<td[^>]*>([^<]*)</td>", page_of(browser.get(page)))]
    assert HIDDEN in cells and not [cell for cell in cells if "fewer than" in cell]


def test_not_enough_data_reads_the_same_on_the_page_and_in_the_files(browser, worlds, app):
    a, _b, _learning = worlds
    # One official in a third organisation, assessed in both cycles: 1 pair, too few for a change.
    third = OrganisationFactory(country=a.country, name="Aland Statistics Office")
    lone = UserFactory(organisation=third, name="Aland Lone Official")
    submit(a.baseline, lone, third, a.role, (a.c1, a.c2), ((1, 0), (1, 1)), BASELINE_AT)
    submit(a.follow_up, lone, third, a.role, (a.c1, a.c2), ((2, 1), (1, 1)), FOLLOW_UP_AT)
    db.session.commit()
    app.config.update(SMALL_CELL_K=1, DISCLOSURE_NOISE=0)  # every figure exact: the markers' wording
    try:
        browser.sign_in_as(FocalPointFactory(country=a.country))
        html = page_of(browser.get(f"/dashboard/change?organisation={third.id}"))
        assert "not enough data" in html and "fewer than 1<" not in html
        url = f"/dashboard/export/change-by-organisation.{{}}?organisation={third.id}"
        for rows in (csv_of(browser.get(url.format("csv"))), xlsx_of(browser.get(url.format("xlsx")))):
            row = row_named(rows, "Aland Statistics Office")
            assert row[4] == "1" and [float(v) for v in row[5:7]] == [1, 1.5]  # pairs, means: shown
            assert row[7:12] == ["not enough data"] * 5  # change, CI, p, d_z
    finally:
        app.config.update(SMALL_CELL_K=5, DISCLOSURE_NOISE=2)


def test_figures_read_with_one_decimal_p_values_and_whole_percentages(browser, worlds):
    a, _b, _learning = worlds
    browser.sign_in_as(FocalPointFactory(country=a.country))
    html = page_of(browser.get("/dashboard/change"))
    # All organisations, 8 pairs: the change and its test (hand-computed in test_analytics_change.py)
    assert re.search(r"p = 0\.\d\d\d?<|p &lt; 0\.001<", html)
    assert re.search(r">\+\d\.\d<", html)  # a signed change with one decimal
    assert re.search(r">\d{1,3}%<", html)  # a share, no decimals
    learning_page = page_of(browser.get("/dashboard/learning"))
    assert "Rated poorly" in learning_page  # resource R: mean 2.3 over 6 responses


# Files ------------------------------------------------------------------------------------------------

def test_export_cells_that_look_like_formulas_are_escaped(browser):
    world = build_world(country=CountryFactory(name="Formulaland"), prefix="=HYPERLINK(1)+")
    db.session.commit()
    browser.sign_in_as(FocalPointFactory(country=world.country))
    for rows in (csv_of(browser.get("/dashboard/export/participation.csv")),
                 xlsx_of(browser.get("/dashboard/export/participation.xlsx"))):
        text = text_of(rows)
        assert "'=HYPERLINK(1)+Baseline 2025" in text
        assert "|=HYPERLINK" not in text and not text.startswith("=")


def test_each_download_is_in_the_audit_log(browser, worlds):
    a, _b, _learning = worlds
    focal_point = FocalPointFactory(country=a.country)
    browser.sign_in_as(focal_point)
    browser.get(f"/dashboard/export/heatmap.xlsx?organisation={a.o1.id}")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "analytics.export")).one()
    assert (event.actor_id, event.object_id, event.country_id) == (focal_point.id, "heatmap.xlsx",
                                                                   a.country.id)
    assert event.details["filters"] == {"organisation": a.o1.id}
    assert event.details["countries"] == [a.country.id]


# Person-level export ------------------------------------------------------------------------------

def test_the_person_level_export_is_for_admins_only(browser, worlds):
    a, _b, _learning = worlds
    browser.sign_in_as(FocalPointFactory(country=a.country))
    assert browser.get("/dashboard/people").status_code == 403
    refused = browser.post("/dashboard/people", {"file_format": "csv"}, token_from="/dashboard/")
    assert refused.status_code == 403
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "analytics.export")).all() == []


def test_the_person_level_export_is_pseudonymised_unless_names_are_asked_for_and_confirmed(browser, worlds):
    a, _b, _learning = worlds
    admin = UserFactory(admin=True)
    browser.sign_in_as(admin)
    url = f"/dashboard/people?country={a.country.id}"
    form = page_of(browser.get(url))
    include = re.search(r'<input[^>]*name="include_names"[^>]*>', form).group(0)
    assert "checked" not in include

    rows = csv_of(browser.post(url, {"file_format": "csv"}))
    text = text_of(rows)
    assert rows[0][:2] == ["Person", "Organisation"] and "E-mail address" not in rows[0]
    assert len(rows) == 11 and all(row[0].startswith("P-") for row in rows[1:])
    assert "Aland Official" not in text and "@example.org" not in text

    refused = browser.post(url, {"file_format": "csv", "include_names": "y"})
    assert refused.status_code == 200 and "Confirm why you need names" in refused.get_data(as_text=True)

    named = xlsx_of(browser.post(url, {"file_format": "xlsx", "include_names": "y", "confirm": "y"}))
    assert named[0][:2] == ["Person", "E-mail address"]
    assert "Aland Official 1" in text_of(named) and "aland official1@example.org" in text_of(named)

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "analytics.export")
                                .order_by(AuditEvent.id)).all()
    assert [(e.object_id, e.details["pseudonymised"], e.country_id, e.actor_id) for e in events] == [
        ("officials-levels.csv", True, a.country.id, admin.id),
        ("officials-levels.xlsx", False, a.country.id, admin.id)]


# Admin -------------------------------------------------------------------------------------------

def test_an_admin_sees_every_country_and_countries_side_by_side(browser, worlds, app, monkeypatch):
    a, b, _learning = worlds
    monkeypatch.setitem(app.config, "DISCLOSURE_NOISE", 0)  # the exact figures, worked out below
    browser.sign_in_as(UserFactory(admin=True))
    html = page_of(browser.get("/dashboard/"))
    assert "Aland Baseline 2025" in html and "Bland Baseline 2025" in html
    picked = page_of(browser.get(f"/dashboard/skills?country={b.country.id}"))
    assert "Bland Ministry of Finance" in picked and "Aland Ministry of Finance" not in picked
    assert browser.get("/dashboard/?country=999999").status_code == 404

    countries = page_of(browser.get("/dashboard/countries"))
    assert "Aland" in countries and "Bland" in countries
    for rows in (csv_of(browser.get("/dashboard/export/countries.csv")),
                 xlsx_of(browser.get("/dashboard/export/countries.xlsx"))):
        assert rows[0] == ["Country code", "Country", "Officials invited", "Submitted", "Response rate",
                           "Mean gap (levels)", "Latest follow-up", "Pairs (latest follow-up)",
                           "Mean change (levels)", "95% CI, low", "95% CI, high",
                           "At practitioner level or above", "Officials with a competency not assessed"]
        row = row_named(rows, "Aland")
        # 10 invited; u1-u10 all submitted at least once; 8 pairs in the follow-up; practitioners
        # (level 3+ in some competency, latest result): u1, u2, u8.
        assert row[2:4] == ["10", "10"] and float(row[4]) == 1 and row[6:8] == ["Aland Follow-up 2026", "8"]
        assert row[11] == FEWER
        assert float(row[8]) == pytest.approx((1.0 + 0.5 + 0.5 + 1.0 + 0 + 0.5 + 0 + 0.5) / 8)
    chart = browser.get("/dashboard/chart/countries.svg")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"


def test_a_focal_point_cannot_see_countries_side_by_side(browser, worlds):
    a, _b, _learning = worlds
    browser.sign_in_as(FocalPointFactory(country=a.country))
    assert browser.get("/dashboard/countries").status_code == 403
    assert browser.get("/dashboard/export/countries.csv").status_code == 403


# Pages without JavaScript ---------------------------------------------------------------------------

FIGURE = re.compile(r'<figure class="app-chart">(.*?)</figure>\s*(<[^>]+>)\s*(<[^>]+>)', re.S)


def test_every_chart_has_alt_text_and_its_table_right_under_it(browser, worlds):
    a, _b, _learning = worlds
    browser.sign_in_as(UserFactory(admin=True))
    charts_seen = set()
    for url in [*PAGES, "/dashboard/countries"]:
        html = page_of(browser.get(f"{url}?country={a.country.id}" if url != "/dashboard/countries" else url))
        for figure, after, then in FIGURE.findall(html):
            img = re.search(r'<img class="app-chart__image" src="([^"]+)" alt="([^"]+)">', figure)
            assert img and len(img.group(2)) > 40, figure
            assert after.startswith('<div class="app-table-wrapper"') and then.startswith("<table"), url
            src = img.group(1).replace("&amp;", "&")
            response = browser.get(src)
            assert response.status_code == 200 and response.mimetype == "image/svg+xml", src
            charts_seen.add(src.split("/")[-1].split(".svg")[0])
        assert html.count("<figure") == len(FIGURE.findall(html)), url
    assert charts_seen == {*CHARTS, "countries"}


def test_every_table_on_a_page_has_its_downloads(browser, worlds):
    a, _b, _learning = worlds
    browser.sign_in_as(FocalPointFactory(country=a.country))
    links = set()
    for url in PAGES:
        html = page_of(browser.get(f"{url}?organisation={a.o1.id}"))
        links |= set(re.findall(r'href="/dashboard/export/([a-z-]+)\.(csv|xlsx)\?organisation=(\d+)"', html))
    assert links == {(name, fmt, str(a.o1.id)) for name in TABLES for fmt in ("csv", "xlsx")}


def test_pages_say_so_when_there_is_nothing_yet(browser):
    browser.sign_in_as(FocalPointFactory())
    for url in PAGES:
        html = page_of(browser.get(url))
        assert "<figure" not in html and "No data yet" in html or "yet for this selection" in html


def test_numbers_are_formatted_as_the_pages_show_them(app):
    from app.dashboard.formatting import cell, heat_class, interval  # noqa: PLC0415
    from app.services.evaluation import NOT_ENOUGH, Suppressed  # noqa: PLC0415

    with app.test_request_context():
        assert [cell(0.03, "p"), cell(0.0042, "p"), cell(0.0004, "p")] == [
            "p = 0.03", "p = 0.004", "p < 0.001"]
        assert [cell(1.26, "level"), cell(0.456, "percent"), cell(-0.24, "change"), cell(1234)] == [
            "1.3", "46%", "-0.2", "1,234"]
        assert [cell(Suppressed(5)), cell(NOT_ENOUGH, "p"), cell(None)] == [
            "hidden", "not enough data", "–"]
        assert interval(0.21, 0.94) == "+0.2 to +0.9" and interval(1.2, 1.94, "level") == "1.2 to 1.9"
        assert [heat_class(v) for v in (0.2, 0.5, 1.2, 1.9, 2.0, Suppressed(5), None)] == [
            "app-heat--0", "app-heat--1", "app-heat--2", "app-heat--3", "app-heat--4", "app-heat--none",
            "app-heat--none"]
