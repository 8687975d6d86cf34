"""A country of many organisations reads a page of organisations at a time: every table by
organisation on a dashboard page shows 25 organisations (and its totals, on every page), says which
ones, and links to the next and previous ones; its CSV and XLSX files have every organisation.
A page past the last one is a 404. The pages are cached rendered, under the same key as their
figures: the cached part of one country's page is never shown to another country's focal point.

Data: tests/unit/analytics_fixture.py's country (its two organisations, "Crowd Ministry of Finance"
and "Crowd Revenue Agency") and 60 more organisations "Big Office 000" to "Big Office 059", each
with one official in every table (tests/web/test_dashboard_scale.py's crowd): 62 in all, so
alphabetically page 1 is Big Office 000 to 024, page 2 025 to 049, page 3 050 to 059 and Crowd's.
"""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from tests.conftest import Browser
from tests.factories import CountryFactory, FocalPointFactory, UserFactory
from tests.unit.analytics_fixture import build_world
from tests.unit.analytics_learning import add_learning
from tests.web.test_dashboard import csv_of, page_of, xlsx_of
from tests.web.test_dashboard_cache import make_app, statements  # noqa: F401 - make_app is a fixture
from tests.web.test_dashboard_scale import crowd

BIG = [f"Big Office {i:03d}" for i in range(60)]
ALL = [*BIG, "Crowd Ministry of Finance", "Crowd Revenue Agency"]  # in the order pages list them
HEATMAP = re.compile(r'<table class="govuk-table app-heatmap">(.*?)</table>', re.S)
ROW_HEADER = re.compile(r'<th scope="row" class="govuk-table__header">([^<]*)</th>')
PAGED = {  # a dashboard page, and its tables by organisation (their captions)
    "/dashboard/": ("Participation by campaign and organisation", "Organisation maturity by dimension"),
    "/dashboard/change": ("Results indicators by organisation and period",
                          "Paired and unpaired officials, by organisation", "Change by organisation"),
    "/dashboard/learning": ("Learning activity by organisation", "Follow-up answers by organisation"),
    "/dashboard/skills": ("Mean gap by organisation (rows) and competency (columns)",),
}


@pytest.fixture
def crowded():
    world = build_world(country=CountryFactory(name="Crowdland"), prefix="Crowd ")
    crowd(world, add_learning(world), 60, "Big ")
    db.session.commit()
    return world


def sections(html: str) -> str:
    """The page below its filter bar: the tables (the filter bar lists every organisation)."""
    return html[html.index('<section class="app-dashboard-section"'):]


def heatmap_rows(html: str) -> list[str]:
    return ROW_HEADER.findall(HEATMAP.search(html).group(1))


def table_of(html: str, caption: str) -> str:
    start = html.index(f">{caption}</caption>")
    return html[start:html.index("</table>", start)]


def organisations_in(html: str) -> list[str]:
    """The organisations a table has a cell of (not a name that mentions one)."""
    return [name for name in ALL if f">{name}<" in html]


def test_the_skills_page_shows_25_organisations_and_links_to_the_next(browser, crowded):
    browser.sign_in_as(FocalPointFactory(country=crowded.country))
    html = page_of(browser.get("/dashboard/skills"))

    assert heatmap_rows(html) == [*BIG[:25], "All organisations"]
    assert "Showing organisations 1 to 25 of 62" in html
    assert 'href="/dashboard/skills?page=2#heatmap"' in html
    assert "?page=0" not in html and "page=1#" not in html  # no link before the first page


def test_the_next_pages_show_the_rest_and_the_totals_on_each(browser, crowded):
    browser.sign_in_as(FocalPointFactory(country=crowded.country))
    second = page_of(browser.get("/dashboard/skills?page=2"))
    third = page_of(browser.get("/dashboard/skills?page=3"))

    assert heatmap_rows(second) == [*BIG[25:50], "All organisations"]
    assert heatmap_rows(third) == [*ALL[50:], "All organisations"]
    assert "Showing organisations 26 to 50 of 62" in second
    assert 'href="/dashboard/skills?page=1#heatmap"' in second
    assert 'href="/dashboard/skills?page=3#heatmap"' in second
    assert "Showing organisations 51 to 62 of 62" in third
    assert "page=4" not in third


def test_the_downloads_have_every_organisation(browser, crowded):
    browser.sign_in_as(FocalPointFactory(country=crowded.country))
    for page in ("", "?page=2"):
        html = page_of(browser.get(f"/dashboard/skills{page}"))
        assert 'href="/dashboard/export/heatmap.csv"' in html  # the files are never paged
    for rows in (csv_of(browser.get("/dashboard/export/heatmap.csv")),
                 xlsx_of(browser.get("/dashboard/export/heatmap.xlsx"))):
        assert {row[0] for row in rows[1:]} >= set(ALL)


@pytest.mark.parametrize("url", PAGED)
def test_every_table_by_organisation_shows_the_same_organisations(browser, crowded, url):
    browser.sign_in_as(FocalPointFactory(country=crowded.country))
    seen: dict[str, set[str]] = {caption: set() for caption in PAGED[url]}
    for number, shown in ((1, ALL[:25]), (2, ALL[25:50]), (3, ALL[50:])):
        html = sections(page_of(browser.get(f"{url}?page={number}")))
        for caption in PAGED[url]:
            if f">{caption}</caption>" not in html:  # the table has none of these organisations
                assert f"None of organisations {ALL.index(shown[0]) + 1} to" in html, (url, number)
                continue
            found = organisations_in(table_of(html, caption))
            assert set(found) <= set(shown), (url, number, caption, found)
            seen[caption] |= set(found)
        assert f"Showing organisations {ALL.index(shown[0]) + 1} to" in html
    assert all(seen.values()), seen


def test_a_page_past_the_last_or_not_a_page_number_is_not_found(browser, crowded):
    browser.sign_in_as(FocalPointFactory(country=crowded.country))
    for url in ("/dashboard/skills?page=4", "/dashboard/?page=0", "/dashboard/change?page=two",
                "/dashboard/learning?page=-1"):
        assert browser.get(url).status_code == 404, url
    assert browser.get("/dashboard/skills?page=").status_code == 200  # empty: the first page


def test_the_links_to_other_organisations_keep_the_filters(browser, crowded):
    browser.sign_in_as(FocalPointFactory(country=crowded.country))
    role = crowded.role.id
    html = page_of(browser.get(f"/dashboard/skills?role_profile={role}&page=2"))
    assert f'href="/dashboard/skills?page=3&amp;role_profile={role}#heatmap"' in html
    assert f'href="/dashboard/export/heatmap.csv?role_profile={role}"' in html
    assert heatmap_rows(html) == [*BIG[25:50], "All organisations"]


def test_one_organisation_picked_is_one_page_without_links(browser, crowded):
    browser.sign_in_as(FocalPointFactory(country=crowded.country))
    html = page_of(browser.get(f"/dashboard/skills?organisation={crowded.o1.id}"))
    assert heatmap_rows(html) == ["Crowd Ministry of Finance", "All organisations"]
    assert "Showing organisations" not in html and "page=2" not in html
    assert browser.get(f"/dashboard/skills?organisation={crowded.o1.id}&page=2").status_code == 404


def test_a_few_organisations_are_one_page_without_links(browser):
    world = build_world(country=CountryFactory(name="Smalland"), prefix="Small ")
    db.session.commit()
    browser.sign_in_as(FocalPointFactory(country=world.country))
    html = page_of(browser.get("/dashboard/skills"))
    assert heatmap_rows(html) == ["Small Ministry of Finance", "Small Revenue Agency", "All organisations"]
    assert "Showing organisations" not in html and "page=2" not in html


def test_a_second_load_of_a_later_page_runs_no_heavy_query(make_app, crowded):  # noqa: F811
    browser = Browser(make_app(CACHE_TYPE="SimpleCache").test_client())
    browser.sign_in_as(FocalPointFactory(country=crowded.country))
    for url in ("/dashboard/skills?page=2", "/dashboard/learning?page=3"):
        first, body = statements(browser, url)
        second, again = statements(browser, url)
        assert sections(again.decode()) == sections(body.decode()), url
        assert second < first and second <= 7, (url, first, second)


def test_a_cached_page_is_never_shown_to_another_countrys_focal_point(make_app):  # noqa: F811
    a = build_world(country=CountryFactory(name="Aland"), prefix="Aland ")
    b = build_world(country=CountryFactory(name="Bland"), prefix="Bland ")
    add_learning(a)
    add_learning(b)
    db.session.commit()
    application = make_app(CACHE_TYPE="SimpleCache")
    for url in ("/dashboard/", "/dashboard/skills", "/dashboard/change", "/dashboard/learning"):
        for world, other in ((a, "Bland "), (b, "Aland "), (a, "Bland ")):
            browser = Browser(application.test_client()).sign_in_as(FocalPointFactory(country=world.country))
            html = page_of(browser.get(url))
            assert other not in html and world.o1.name in sections(html), url


def test_an_admin_and_a_focal_point_of_the_same_country_each_get_their_own_page(make_app, crowded):  # noqa: F811
    application = make_app(CACHE_TYPE="SimpleCache")
    focal = Browser(application.test_client()).sign_in_as(FocalPointFactory(country=crowded.country))
    admin = Browser(application.test_client()).sign_in_as(UserFactory(admin=True))
    country = f"?country={crowded.country.id}"
    for _ in range(2):
        assert "Countries side by side" not in page_of(focal.get(f"/dashboard/skills{country}"))
        assert "Countries side by side" in page_of(admin.get(f"/dashboard/skills{country}"))
