"""Results indicator pages: focal points of the country and admins only; values replaced and audited;
a chart served as SVG with the same numbers in a table; no causal claim."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Indicator, IndicatorValue
from app.services.audit import Actor
from app.services.evaluation import indicators
from tests.factories import CountryFactory, FocalPointFactory, OrganisationFactory, UserFactory
from tests.web.test_evaluation import page_of, svg_of

NO_CAUSAL_CLAIM = "They do not show that training caused any change"


@pytest.fixture
def kenya():
    country = CountryFactory(name="Kenya")
    ministry = OrganisationFactory(country=country, name="Ministry of ICT")
    focal = FocalPointFactory(country=country)
    indicator = indicators.create_indicator(db.session, Actor(focal), country=country,
                                            name="User satisfaction", unit="%")
    return country, ministry, focal, indicator


def test_a_focal_point_defines_an_indicator_for_their_country(browser):
    country = CountryFactory(name="Kenya")
    focal = FocalPointFactory(country=country)
    browser.sign_in_as(focal)
    html = page_of(browser.get("/evaluation/indicators"))
    assert NO_CAUSAL_CLAIM in html and "No indicators yet." in html
    page_of(browser.get("/evaluation/indicators/new"))
    response = browser.post("/evaluation/indicators/new", {
        "country": country.id, "name": "Services moved online", "unit": "services",
        "description": "Counted each quarter by the e-government agency"})
    indicator = db.session.scalar(select(Indicator))
    assert response.status_code == 302
    assert response.location.endswith(f"/evaluation/indicators/{indicator.id}")
    assert (indicator.country_id, indicator.name, indicator.created_by_id) == (
        country.id, "Services moved online", focal.id)
    html = page_of(browser.get(f"/evaluation/indicators/{indicator.id}"))
    assert NO_CAUSAL_CLAIM in html and "No values recorded yet." in html and "Kenya" in html
    assert "Services moved online" in page_of(browser.get("/evaluation/indicators"))

    html = page_of(browser.post("/evaluation/indicators/new", {"country": country.id,
                                                               "name": "services moved ONLINE"}))
    assert "Kenya already has an indicator called Services moved online" in html


def test_a_focal_point_cannot_define_one_for_another_country(browser):
    focal = FocalPointFactory()
    elsewhere = CountryFactory()
    browser.sign_in_as(focal)
    html = page_of(browser.post("/evaluation/indicators/new", {"country": elsewhere.id, "name": "X"}))
    assert "Not a valid choice" in html
    assert db.session.scalar(select(Indicator)) is None


def test_values_are_recorded_replaced_and_shown_in_a_table_and_a_chart(browser, kenya):
    _country, ministry, focal, indicator = kenya
    browser.sign_in_as(focal)
    url = f"/evaluation/indicators/{indicator.id}"
    form = page_of(browser.get(f"{url}/values"))
    assert "Country-wide" in form and "Ministry of ICT" in form
    for organisation, period, value in ((ministry.id, "2025", "61"), (0, "2026-q1", "70.5"),
                                        (ministry.id, "2026-Q1", "66")):
        response = browser.post(f"{url}/values", {"organisation": organisation, "period": period,
                                                  "value": value})
        assert response.status_code == 302
    response = browser.post(f"{url}/values", {"organisation": ministry.id, "period": "2025", "value": "63"})
    assert "replaced (it was 61)" in page_of(browser.get(response.location))

    html = page_of(browser.get(url))
    rows = re.findall(r'<th scope="row" class="govuk-table__header">(.*?)</th>\s*'
                      r'<td class="govuk-table__cell">(.*?)</td>\s*<td[^>]*>(.*?)</td>', html)
    assert rows == [("2025", "Ministry of ICT", "63"), ("2026-Q1", "Country-wide", "70.5"),
                    ("2026-Q1", "Ministry of ICT", "66")]
    assert f'src="{url}/chart.svg"' in html and NO_CAUSAL_CLAIM in html
    svg = svg_of(browser.get(f"{url}/chart.svg")).decode()
    assert "Ministry of ICT" in svg and "Country-wide" in svg and "2026-Q1" in svg

    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "indicator.value.record")
                                 .order_by(AuditEvent.id)).all()
    assert [(e.details["period"], e.details["value"], e.details["previous"]) for e in changes] == [
        ("2025", 61.0, None), ("2026-Q1", 70.5, None), ("2026-Q1", 66.0, None), ("2025", 63.0, 61.0)]
    assert {e.actor_id for e in changes} == {focal.id}


def test_a_change_link_fills_in_the_organisation_and_period(browser, kenya):
    _country, ministry, focal, indicator = kenya
    indicators.record_value(db.session, Actor(focal), indicator, organisation=ministry, period="2026",
                            value=5)
    browser.sign_in_as(focal)
    html = page_of(browser.get(f"/evaluation/indicators/{indicator.id}/values?organisation={ministry.id}"
                               "&period=2026"))
    assert re.search(rf'<option[^>]*value="{ministry.id}"[^>]*selected', html)
    assert 'value="2026"' in html


@pytest.mark.parametrize(("data", "message"), [
    ({"period": "2026-Q5", "value": "3"}, "is not a period"),
    ({"period": "2026", "value": "three"}, "is not a number"),
    ({"period": "", "value": "3"}, "Enter the period"),
])
def test_bad_values_are_explained(browser, kenya, data, message):
    _country, _ministry, focal, indicator = kenya
    browser.sign_in_as(focal)
    html = page_of(browser.post(f"/evaluation/indicators/{indicator.id}/values", {"organisation": 0, **data}))
    assert message in html and "There is a problem" in html
    assert db.session.scalar(select(IndicatorValue)) is None


def test_editing_and_removing_are_audited(browser, kenya):
    _country, _ministry, focal, indicator = kenya
    value, _ = indicators.record_value(db.session, Actor(focal), indicator, organisation=None, period="2026",
                                       value=5)
    browser.sign_in_as(focal)
    url = f"/evaluation/indicators/{indicator.id}"
    assert 'value="User satisfaction"' in page_of(browser.get(f"{url}/edit"))
    assert browser.post(f"{url}/edit", {"name": "Satisfaction with services", "unit": "%"}).status_code == 302
    assert indicator.name == "Satisfaction with services"
    response = browser.post(f"{url}/values/{value.id}/delete", token_from=url)
    assert response.status_code == 302
    assert db.session.scalar(select(IndicatorValue)) is None
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"indicator.update", "indicator.value.delete"} <= actions


def test_a_focal_point_of_another_country_gets_404_everywhere(browser, kenya):
    _country, ministry, focal, indicator = kenya
    value, _ = indicators.record_value(db.session, Actor(focal), indicator, organisation=ministry,
                                       period="2026", value=5)
    stranger = FocalPointFactory()
    browser.sign_in_as(stranger)
    url = f"/evaluation/indicators/{indicator.id}"
    for page in (url, f"{url}/chart.svg", f"{url}/edit", f"{url}/values"):
        assert browser.get(page).status_code == 404, page
    assert browser.post(f"{url}/values", {"organisation": 0, "period": "2026", "value": "1"},
                        token_from="/evaluation/indicators").status_code == 404
    assert browser.post(f"{url}/values/{value.id}/delete", token_from="/evaluation/indicators"
                        ).status_code == 404
    assert "User satisfaction" not in page_of(browser.get("/evaluation/indicators"))
    assert value.value == 5.0


def test_officials_may_not_see_indicators_and_admins_see_every_country(browser, kenya):
    country, ministry, _focal, indicator = kenya
    browser.sign_in_as(UserFactory(organisation=ministry))
    assert browser.get("/evaluation/indicators").status_code == 403
    assert browser.get(f"/evaluation/indicators/{indicator.id}").status_code == 403
    browser.sign_in_as(UserFactory(admin=True))
    html = page_of(browser.get("/evaluation/indicators"))
    assert "User satisfaction" in html and "Kenya" in html
    assert svg_of(browser.get(f"/evaluation/indicators/{indicator.id}/chart.svg"))
    page_of(browser.get(f"/evaluation/indicators/new?country={country.id}"))
