"""Catalogue pages: search, filters, sorting, pagination, the resource page and its JSON-LD."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from app.models.base import utcnow
from tests.factories import CompetencyFactory, FocalPointFactory, ResourceFactory, UserFactory, make_framework


def _page(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _titles(html: str) -> list[str]:
    return re.findall(r'<a class="govuk-link" href="/catalogue/resources/[^"]+">([^<]+)</a>', html)


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._current = {**dict(attrs), "body": ""}
            self.scripts.append(self._current)

    def handle_data(self, data):
        if self._current is not None:
            self._current["body"] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._current = None


def _scripts(html: str) -> list[dict]:
    parser = _Scripts()
    parser.feed(html)
    return parser.scripts


@pytest.mark.parametrize("url", ["/catalogue/", "/catalogue/resources/x", "/catalogue/suggest",
                                 "/catalogue/suggestions/mine"])
def test_anonymous_users_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("make_user", [UserFactory, FocalPointFactory, lambda: UserFactory(admin=True)])
def test_anyone_signed_in_searches_the_catalogue(browser, make_user):
    ResourceFactory(title="Open data handbook", description="Publishing data the open way")
    ResourceFactory(title="User research basics", provider="Government Digital Service")
    browser.sign_in_as(make_user())
    html = _page(browser, "/catalogue/?q=open+data")
    assert _titles(html) == ["Open data handbook"]


def test_every_filter_works_through_the_page(browser):
    framework = make_framework(competencies=1)
    competency = framework.competencies[0]
    other = CompetencyFactory(area=competency.area, framework=framework, name="Design")
    ResourceFactory(title="French guide", languages=["fr"], format="guide", licence="etalab-2.0",
                    hours=2, offline=True, teaches={competency: (0, 2)})
    ResourceFactory(title="Paid course", languages=["en"], format="course", licence="free-access",
                    hours=30, cost="paid", teaches={other: (2, 4)})
    browser.sign_in_as(UserFactory())
    cases = {
        f"competency={competency.id}": ["French guide"],
        "level=3": ["Paid course"],
        f"competency={competency.id}&level=3": [],
        "language=fr": ["French guide"],
        "format=course": ["Paid course"],
        "licence=open": ["French guide"],
        "licence=free-access": ["Paid course"],
        "cost=paid": ["Paid course"],
        "cost=free": ["French guide"],
        "max_hours=5": ["French guide"],
        "offline=y": ["French guide"],
        "sort=hours": ["French guide", "Paid course"],
        "sort=title&q=": ["French guide", "Paid course"],
    }
    for query, expected in cases.items():
        html = _page(browser, f"/catalogue/?{query}")
        assert _titles(html) == expected, query
        assert "Not a valid choice" not in html and "There is a problem" not in html, query


def test_the_filters_offer_what_the_catalogue_has(browser):
    competency = make_framework(competencies=1).competencies[0]
    ResourceFactory(languages=["ar", "fr"], teaches={competency: (0, 1)})
    browser.sign_in_as(UserFactory())
    html = _page(browser, "/catalogue/")
    assert f'<option value="{competency.id}"' in html and f"{competency.code} · {competency.name}" in html
    assert '<option value="ar">Arabic</option>' in html and '<option value="fr">French</option>' in html
    assert "3 · Practitioner" in html


def test_invalid_filter_values_are_explained_and_ignored(browser):
    ResourceFactory(title="Anything")
    browser.sign_in_as(UserFactory())
    html = _page(browser, "/catalogue/?format=podcast&max_hours=lots&level=99")
    assert _titles(html) == ["Anything"]
    assert "Choose a format from the list" in html and "Choose a level from the list" in html
    assert "Enter the hours as a number, for example 2.5" in html
    assert "Not a valid" not in html


def test_search_results_are_paginated_keeping_the_filters(browser):
    for n in range(30):
        ResourceFactory(title=f"Guide {n:02d}", format="guide")
    ResourceFactory(title="A course", format="course")
    browser.sign_in_as(UserFactory())
    first = _page(browser, "/catalogue/?format=guide&sort=title")
    assert _titles(first)[:2] == ["Guide 00", "Guide 01"] and len(_titles(first)) == 25
    assert "Showing 1 to 25 of 30 results" in first
    assert "format=guide" in first and "page=2" in first
    second = _page(browser, "/catalogue/?format=guide&sort=title&page=2")
    assert _titles(second) == [f"Guide {n}" for n in range(25, 30)]


def test_an_empty_search_says_so_and_offers_a_way_on(browser):
    ResourceFactory(title="Something")
    browser.sign_in_as(UserFactory())
    html = _page(browser, "/catalogue/?q=zebra")
    assert "No resource matches your search." in html
    assert 'href="/catalogue/suggest"' in html and "Clear search and filters" in html


def test_retired_resources_are_hidden_from_officials_but_not_from_admins(browser):
    ResourceFactory(title="Current guide", code="current")
    ResourceFactory(title="Retired guide", code="retired", status="retired")
    browser.sign_in_as(UserFactory())
    assert _titles(_page(browser, "/catalogue/")) == ["Current guide"]
    assert browser.get("/catalogue/resources/retired").status_code == 404
    browser.sign_in_as(UserFactory(admin=True))
    html = _page(browser, "/catalogue/")
    assert _titles(html) == ["Current guide", "Retired guide"] and "Retired" in html
    assert browser.get("/catalogue/resources/retired").status_code == 200


def test_the_resource_page_shows_everything_a_learner_needs(browser):
    framework = make_framework(competencies=1)
    competency = framework.competencies[0]
    ResourceFactory(code="basics", title="The basics")
    ResourceFactory(
        code="service-manual", title="Service manual", provider="Government Digital Service (UK)",
        url="https://www.gov.uk/service-manual", licence="OGL-UK-3.0", languages=["en", "fr"],
        format="guide", hours=1.5, cost="free", certificate=True, prerequisites=["basics"],
        accessibility={"captions": True, "transcript": False, "screen_reader": True}, offline=True,
        description="Covers **agile** delivery. <script>alert('x')</script> [bad](javascript:alert(1))",
        reviewed_on=date(2026, 5, 1), reviewed_by="CapStack curators", link_status=200,
        link_checked_at=utcnow(), teaches={competency: (1, 3)})
    browser.sign_in_as(UserFactory())
    html = _page(browser, "/catalogue/resources/service-manual")
    assert "Government Digital Service (UK)" in html
    assert 'href="https://www.gov.uk/service-manual" rel="noopener"' in html
    assert ">https://www.gov.uk/service-manual</span>" in html
    assert "Open licence:" in html and 'href="https://spdx.org/licenses/OGL-UK-3.0.html"' in html
    assert "English, French" in html and "Guide" in html and "About 1.5 hours" in html
    assert "Captions, Works with a screen reader" in html
    assert "Can be downloaded to study offline" in html
    assert f"{competency.name}" in html and "from Awareness (1) to Practitioner (3)" in html
    assert 'href="/catalogue/resources/basics">The basics</a>' in html
    assert "1 May 2026 by CapStack curators" in html and "working (200)" in html
    assert "<strong>agile</strong>" in html
    assert "alert('x')</script>" not in html and 'href="javascript' not in html
    assert "Mark reviewed today" not in html  # curation is for admins


def test_free_access_material_says_so(browser):
    ResourceFactory(code="fa", licence="free-access", link_status=404, link_checked_at=utcnow())
    browser.sign_in_as(UserFactory())
    html = _page(browser, "/catalogue/resources/fa")
    assert "Free to access" in html and "not under an open licence" in html
    assert "Open licence:" not in html
    assert "it did not work (404)" in html


def test_the_resource_page_carries_json_ld_and_no_inline_executable_script(browser):
    competency = make_framework(competencies=1).competencies[0]
    ResourceFactory(code="odi", title="Open data </script><script>alert(1)</script>",
                    provider="ODI", licence="CC-BY-4.0", languages=["en"], hours=6,
                    teaches={competency: (0, 2)})
    browser.sign_in_as(UserFactory())
    response = browser.get("/catalogue/resources/odi")
    html = response.get_data(as_text=True)
    scripts = _scripts(html)
    executable = [s for s in scripts if s.get("type") != "application/ld+json"]
    assert executable and all(s.get("src") and not s["body"].strip() for s in executable)
    [data_block] = [s for s in scripts if s.get("type") == "application/ld+json"]
    data = json.loads(data_block["body"])
    assert data["@type"] == "LearningResource"
    assert data["name"] == "Open data </script><script>alert(1)</script>"
    assert data["teaches"][0]["termCode"] == competency.code
    assert data["educationalLevel"] == ["None", "Awareness", "Working"]
    assert data["inLanguage"] == ["en"] and data["timeRequired"] == "PT6H"
    assert data["license"] == "https://spdx.org/licenses/CC-BY-4.0.html"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_a_resource_that_does_not_exist_is_404(browser):
    browser.sign_in_as(UserFactory())
    assert browser.get("/catalogue/resources/nothing-here").status_code == 404


def test_the_search_page_makes_a_fixed_number_of_queries(app, browser):
    from sqlalchemy import event

    from app.extensions import db

    framework = make_framework(competencies=3)
    for n in range(20):
        ResourceFactory(teaches={c: (0, 1 + n % 3) for c in framework.competencies},
                        reviewed_on=date.today() - timedelta(days=n))
    user = UserFactory()
    browser.sign_in_as(user)
    statements: list[str] = []
    engine = db.session.get_bind()

    def count(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        _page(browser, "/catalogue/")
        few = len(statements)
        statements.clear()
        for _ in range(20):
            ResourceFactory(teaches={c: (0, 1) for c in framework.competencies})
        statements.clear()
        _page(browser, "/catalogue/")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == few <= 12
