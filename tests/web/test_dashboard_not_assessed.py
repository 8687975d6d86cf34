"""Not assessed on the dashboard: never at level 0 nor in a mean, and counted apart in a "Not assessed"
column on the page, in the CSV and in the XLSX, through the small-cell rule (k = 2 here); and the
"Results" filter: all results, or those validated by a manager only.

Data: analytics_fixture.build_world(not_assessed=True) for Naland (its figures are worked out by hand
in tests/unit/test_analytics_not_assessed.py). The pages here run with the release layer's noise off
(DISCLOSURE_NOISE 0) so that those exact figures can be read; the noise is tested in
tests/unit/test_release*.py and tests/web/test_release_bypass.py."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, CompetencyResult, ResultSource
from tests.factories import CountryFactory, FocalPointFactory
from tests.unit.analytics_fixture import build_world
from tests.web.test_dashboard import csv_of, page_of, row_named, xlsx_of

FEWER = "fewer than 2"  # why a figure is hidden, in a file's last column
HIDDEN = "hidden"  # a hidden figure on a page


@pytest.fixture
def world(app):
    world = build_world(country=CountryFactory(name="Naland"), prefix="Naland ", not_assessed=True)
    db.session.commit()
    app.config.update(SMALL_CELL_K=2, DISCLOSURE_NOISE=0)
    yield world
    app.config.update(SMALL_CELL_K=5, DISCLOSURE_NOISE=2)


@pytest.fixture
def signed_in(browser, world):
    browser.sign_in_as(FocalPointFactory(country=world.country))
    return browser


def table_after(html: str, caption: str) -> str:
    start = html.index(caption)
    return html[start:html.index("</table>", start)]


def row_of(table: str, text: str) -> list[str]:
    """The cells of the one row of ``table`` holding ``text``, as text."""
    rows = [row for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S) if text in row]
    assert len(rows) == 1, (text, rows)
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", rows[0], re.S)]


def grid_cell(table: str, organisation: str, name: str) -> str:
    """The figure of a grid by organisation (rows) and competency (columns, headed by their names)."""
    names = re.findall(r'<th scope="col" class="[^"]*app-grid__competency[^"]*">([^<]*)</th>', table)
    return row_of(table, f">{organisation}<")[1 + names.index(name)]


def test_the_skills_page_counts_not_assessed_apart_on_the_page(signed_in, world):
    html = page_of(signed_in.get("/dashboard/skills"))
    gaps = table_after(html, "Mean gap by organisation")
    behind = table_after(html, "Officials behind each mean gap")
    apart = table_after(html, "Officials not assessed in the competency")
    # c1: 8 assessed with a gap (mean 6 / 8), 2 not assessed; one in each organisation: hidden
    name = world.c1.name
    figures = [grid_cell(table, "All organisations", name) for table in (behind, gaps, apart)]
    assert figures == ["8", "0.8", "2"]
    figures = [grid_cell(table, "Naland Ministry of Finance", name) for table in (behind, gaps, apart)]
    assert figures == ["5", "0.6", HIDDEN]

    levels = table_after(html, "Officials at each level, per competency")
    assert "Not assessed" in levels
    # c1: 0 at level 0 (the 2 not assessed are at no level), 8 in all, 2 not assessed. Level 1's lone
    # official is hidden on its own; levels 2 and 3 are shown (the noise, off here, protects the total)
    assert row_of(levels, f"{world.c1.code}<")[1:] == ["0", HIDDEN, "4", "3", "0", "8", "2"]
    assets = table_after(html, "Practitioners per competency")
    assert row_of(assets, f"{world.c1.code}<")[1:] == ["8", "3", "2"]
    assert row_of(assets, f"{world.c2.code}<")[1:] == ["8", "0", "2"]


def test_the_skills_files_count_not_assessed_apart(signed_in, world):
    for rows in (csv_of(signed_in.get("/dashboard/export/heatmap.csv")),
                 xlsx_of(signed_in.get("/dashboard/export/heatmap.xlsx"))):
        assert rows[0][-1] == "Not assessed"
        total = row_named(rows, "All organisations", world.c1.code)
        assert total[3] == "8" and float(total[4]) == pytest.approx(0.75) and total[5] == "2"
        assert row_named(rows, "Naland Revenue Agency", world.c1.code)[5] == FEWER
    for rows in (csv_of(signed_in.get("/dashboard/export/levels.csv")),
                 xlsx_of(signed_in.get("/dashboard/export/levels.xlsx"))):
        assert rows[0] == ["Competency code", "Competency", "Level", "Level name", "Officials",
                           "Not assessed"]
        assert row_named(rows, world.c1.code, "All levels")[4:] == ["8", "2"]
        assert row_named(rows, world.c1.code, "None")[4:] in (["0", ""], ["0"])  # level 0: none
    for rows in (csv_of(signed_in.get("/dashboard/export/assets.csv")),
                 xlsx_of(signed_in.get("/dashboard/export/assets.xlsx"))):
        assert rows[0][-1] == "Not assessed" and row_named(rows, world.c2.code)[2:] == ["8", "0", "2"]


def test_the_change_page_counts_those_not_assessed_in_both_cycles(signed_in, world):
    html = page_of(signed_in.get("/dashboard/change"))
    for caption in ("Mean level across cycles</caption>", "Change by competency</caption>",
                    "Change by organisation</caption>", "Change by role profile</caption>"):
        assert "Not assessed" in table_after(html, caption), caption
    by_competency = table_after(html, "Change by competency</caption>")
    assert row_of(by_competency, world.c1.name)[2:4] == ["6", "2"]  # pairs, not assessed in both

    for rows in (csv_of(signed_in.get("/dashboard/export/change-by-competency.csv")),
                 xlsx_of(signed_in.get("/dashboard/export/change-by-competency.xlsx"))):
        assert rows[0][-1] == "Not assessed"
        assert [row_named(rows, world.c1.name)[i] for i in (4, -1)] == ["6", "2"]
        assert [row_named(rows, world.c2.name)[i] for i in (4, -1)] == ["7", FEWER]
    for rows in (csv_of(signed_in.get("/dashboard/export/change-by-organisation.csv")),
                 xlsx_of(signed_in.get("/dashboard/export/change-by-organisation.xlsx"))):
        assert row_named(rows, "Naland Revenue Agency")[-1] == FEWER  # u9: nothing assessed in both
        assert row_named(rows, "Naland Ministry of Finance")[-1] == "0"
        assert row_named(rows, "All organisations")[-1] == FEWER  # else it would give the agency's
        assert row_named(rows, "All organisations")[4] == "7"
    for rows in (csv_of(signed_in.get("/dashboard/export/trend.csv")),
                 xlsx_of(signed_in.get("/dashboard/export/trend.xlsx"))):
        assert rows[0][-1] == "Not assessed"
        assert [(row[4], row[-1]) for row in rows[1:]] == [("8", FEWER), ("8", FEWER)]


def _validate(world):
    """A manager validated c1 of u1, u2 at baseline and of u1, u2, u3 at follow-up."""
    wanted = {(world.baseline.id, world.officials[n].id) for n in (1, 2)} | {
        (world.follow_up.id, world.officials[n].id) for n in (1, 2, 3)}
    for result in db.session.scalars(select(CompetencyResult).where(
            CompetencyResult.competency_id == world.c1.id)):
        if (result.attempt.campaign_id, result.attempt.user_id) in wanted:
            result.source, result.manager_level = ResultSource.VALIDATED, result.calibrated_level
    db.session.commit()


def test_the_results_filter_offers_validated_results_only(signed_in, world):
    _validate(world)
    html = page_of(signed_in.get("/dashboard/skills"))
    select_ = re.search(r'<select[^>]*name="results".*?</select>', html, re.S).group(0)
    assert re.search(r'<option value=""[^>]*>All results</option>', select_)
    assert re.search(r'<option value="validated"[^>]*>Validated by a manager only</option>', select_)
    assert "selected" not in select_

    html = page_of(signed_in.get("/dashboard/skills?results=validated"))
    select_ = re.search(r'<select[^>]*name="results".*?</select>', html, re.S).group(0)
    assert re.search(r'<option value="validated" selected>', select_)
    assert "Only the results a manager validated" in html
    assert 'href="/dashboard/export/heatmap.csv?results=validated"' in html
    # the heatmap over validated results: c1 of u1, u2, u3 only (gaps 0, 0, 1)
    rows = csv_of(signed_in.get("/dashboard/export/heatmap.csv?results=validated"))
    assert row_named(rows, "All organisations", world.c1.code)[3] == "3"
    assert all(world.c2.code not in row for row in rows)
    assert row_named(csv_of(signed_in.get("/dashboard/export/heatmap.csv")), "All organisations",
                     world.c1.code)[3] == "8"
    page = page_of(signed_in.get("/dashboard/change?results=validated"))
    assert row_of(table_after(page, "Change by competency</caption>"), world.c1.name)[2:4] == ["2", "0"]


def test_the_results_filter_is_in_the_file_name_and_the_audit_log(signed_in, world):
    response = signed_in.get("/dashboard/export/levels.xlsx?results=validated")
    assert xlsx_of(response)[0][0] == "Competency code"
    assert re.search(r'filename="levels_[a-z]{2}_validated_\d{4}-\d\d-\d\d\.xlsx"',
                     response.headers["Content-Disposition"])
    plain = signed_in.get("/dashboard/export/levels.csv")
    assert "validated" not in plain.headers["Content-Disposition"]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "analytics.export")
                                .order_by(AuditEvent.id)).all()
    assert [e.details["filters"] for e in events] == [{"results": "validated"}, {}]


def test_an_unknown_results_choice_is_not_found(signed_in, world):
    for url in ("/dashboard/skills", "/dashboard/export/heatmap.csv", "/dashboard/chart/levels.svg"):
        assert signed_in.get(f"{url}?results=everything").status_code == 404, url
        assert signed_in.get(f"{url}?results=").status_code == 200, url
