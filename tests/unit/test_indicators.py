"""Results indicators (evaluation/indicators.py): periods, values replaced per organisation and period,
every change audited, each country's indicators for its focal points and admins only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, IndicatorValue
from app.services.audit import SYSTEM, Actor
from app.services.errors import NotFound, ValidationFailed
from app.services.evaluation import indicators
from tests.factories import CountryFactory, FocalPointFactory, OrganisationFactory, UserFactory


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


@pytest.fixture
def kenya():
    country = CountryFactory(name="Kenya")
    focal = FocalPointFactory(country=country)
    indicator = indicators.create_indicator(db.session, Actor(focal), country=country,
                                            name="Services moved online", unit="services")
    return country, focal, indicator


@pytest.mark.parametrize(("text", "stored"), [
    ("2026", "2026"), (" 2026-q3 ", "2026-Q3"), ("2026-Q1", "2026-Q1"), ("2026-09", "2026-09"),
    ("2026-12", "2026-12"),
])
def test_periods_are_a_year_a_quarter_or_a_month(text, stored):
    assert indicators.parse_period(text) == stored


@pytest.mark.parametrize(("text", "message"), [
    ("", "Enter the period"), ("2026-Q5", "is not a period"), ("2026-13", "is not a period"),
    ("2026-9", "is not a period"), ("26", "is not a period"), ("2026/09", "is not a period"),
    ("2026-00", "is not a period"), ("1850", "between 1990 and 2100"),
])
def test_other_periods_are_refused(text, message):
    with pytest.raises(ValidationFailed, match=message) as error:
        indicators.parse_period(text)
    assert error.value.field == "period"


def test_periods_sort_by_when_they_start():
    periods = ["2026", "2025-Q4", "2026-02", "2026-Q1", "2025", "2026-01"]
    assert sorted(periods, key=indicators.period_key) == [
        "2025", "2025-Q4", "2026-01", "2026-Q1", "2026", "2026-02"]


@pytest.mark.parametrize(("given", "number"), [("12.5", 12.5), (" 1 234 ", 1234.0), (7, 7.0), ("-3", -3.0)])
def test_values_are_finite_numbers(given, number):
    assert indicators.parse_value(given) == number


@pytest.mark.parametrize(("given", "message"), [
    ("", "Enter the value"), ("abc", "is not a number"), ("1,5", "without commas"), ("nan", "finite"),
    (float("inf"), "finite"), (True, "Enter a number"),
])
def test_other_values_are_refused(given, message):
    with pytest.raises(ValidationFailed, match=message) as error:
        indicators.parse_value(given)
    assert error.value.field == "value"


def test_creating_an_indicator_is_audited_and_its_name_unique_in_the_country(kenya):
    country, focal, indicator = kenya
    assert (indicator.country_id, indicator.unit, indicator.created_by_id) == (country.id, "services",
                                                                               focal.id)
    (event,) = audit("indicator.create")
    assert (event.actor_id, event.country_id, event.details["name"]) == (focal.id, country.id,
                                                                         "Services moved online")
    with pytest.raises(ValidationFailed, match="already has an indicator") as error:
        indicators.create_indicator(db.session, Actor(focal), country=country, name=" services MOVED online")
    assert error.value.field == "name"
    other = indicators.create_indicator(db.session, SYSTEM, country=CountryFactory(),
                                        name="Services moved online")  # another country may
    assert other.id != indicator.id


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": "  "}, "name"), ({"name": "x" * 201}, "name"), ({"unit": "u" * 41}, "unit"),
    ({"description": "d" * 2001}, "description"),
])
def test_indicator_fields_are_checked(fields, field):
    values = {"name": "User satisfaction", "unit": "%", "description": ""} | fields
    with pytest.raises(ValidationFailed) as error:
        indicators.create_indicator(db.session, SYSTEM, country=CountryFactory(), **values)
    assert error.value.field == field


def test_a_focal_point_of_another_country_cannot_reach_an_indicator(kenya):
    country, _focal, indicator = kenya
    stranger = FocalPointFactory()
    with pytest.raises(NotFound):
        indicators.get_indicator(db.session, stranger, indicator.id)
    with pytest.raises(NotFound):
        indicators.create_indicator(db.session, Actor(stranger), country=country, name="Other")
    with pytest.raises(NotFound):
        indicators.record_value(db.session, Actor(stranger), indicator, organisation=None, period="2026",
                                value=1)
    with pytest.raises(NotFound):
        indicators.update_indicator(db.session, Actor(stranger), indicator, name="Renamed")
    with pytest.raises(NotFound):
        indicators.get_indicator(db.session, UserFactory(organisation=OrganisationFactory(country=country)),
                                 indicator.id + 1000)
    assert indicators.get_indicator(db.session, UserFactory(admin=True), indicator.id) is indicator
    assert db.session.scalars(indicators.indicators_query(stranger)).all() == []
    assert db.session.scalars(indicators.indicators_query(UserFactory(admin=True))).all() == [indicator]


def test_updating_an_indicator_keeps_what_it_was_in_the_audit_log(kenya):
    _country, focal, indicator = kenya
    indicators.update_indicator(db.session, Actor(focal), indicator, name="Services online", unit="",
                                description="Counted by the e-government agency")
    (event,) = audit("indicator.update")
    assert event.details["before"]["name"] == "Services moved online"
    assert event.details["after"] == {"name": "Services online", "unit": "",
                                      "description": "Counted by the e-government agency"}


def test_a_value_for_the_same_organisation_and_period_replaces_the_last(kenya):
    country, focal, indicator = kenya
    ministry = OrganisationFactory(country=country, name="Ministry of ICT")
    value, previous = indicators.record_value(db.session, Actor(focal), indicator, organisation=ministry,
                                              period="2026-q1", value="12")
    assert (value.period, value.value, previous) == ("2026-Q1", 12.0, None)
    again, previous = indicators.record_value(db.session, Actor(focal), indicator, organisation=ministry,
                                              period="2026-Q1", value=15)
    assert again is value and (again.value, previous) == (15.0, 12.0)
    # Country-wide values (no organisation) are replaced too, though NULLs never clash in the database.
    indicators.record_value(db.session, Actor(focal), indicator, organisation=None, period="2026", value=40)
    _v, previous = indicators.record_value(db.session, Actor(focal), indicator, organisation=None,
                                           period="2026", value=42)
    db.session.flush()
    assert previous == 40.0
    assert db.session.scalar(select(func.count()).select_from(IndicatorValue)) == 2
    events = audit("indicator.value.record")
    assert [(e.details["value"], e.details["previous"]) for e in events] == [
        (12.0, None), (15.0, 12.0), (40.0, None), (42.0, 40.0)]
    assert {e.actor_id for e in events} == {focal.id}


def test_a_value_for_an_organisation_of_another_country_is_refused(kenya):
    _country, focal, indicator = kenya
    with pytest.raises(ValidationFailed, match="not in this indicator's country") as error:
        indicators.record_value(db.session, Actor(focal), indicator, organisation=OrganisationFactory(),
                                period="2026", value=1)
    assert error.value.field == "organisation"


def test_the_value_table_orders_by_period_then_organisation_and_gives_series(kenya):
    country, focal, indicator = kenya
    revenue = OrganisationFactory(country=country, name="Revenue Authority")
    ministry = OrganisationFactory(country=country, name="ministry of ICT")
    for organisation, period, value in ((revenue, "2026", 5), (None, "2026", 30), (ministry, "2025-Q4", 2),
                                        (ministry, "2026", 4)):
        indicators.record_value(db.session, Actor(focal), indicator, organisation=organisation,
                                period=period, value=value)
    db.session.flush()
    table = indicators.value_table(db.session, indicator)
    assert [(v.period, v.organisation.name if v.organisation else None) for v in table.rows] == [
        ("2025-Q4", "ministry of ICT"), ("2026", None), ("2026", "ministry of ICT"),
        ("2026", "Revenue Authority")]
    assert table.periods == ["2025-Q4", "2026"]
    assert table.series == {None: [None, 30.0], ministry: [2.0, 4.0], revenue: [None, 5.0]}
    assert list(table.series)[0] is None  # country-wide first
    assert indicators.value_counts(db.session, [indicator.id]) == {indicator.id: (4, "2026")}


def test_removing_a_value_is_audited_and_only_of_its_indicator(kenya):
    country, focal, indicator = kenya
    value, _ = indicators.record_value(db.session, Actor(focal), indicator, organisation=None,
                                       period="2026", value=3)
    other = indicators.create_indicator(db.session, Actor(focal), country=country, name="Satisfaction")
    with pytest.raises(NotFound):
        indicators.delete_value(db.session, Actor(focal), other, value.id)
    indicators.delete_value(db.session, Actor(focal), indicator, value.id)
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(IndicatorValue)) == 0
    (event,) = audit("indicator.value.delete")
    assert event.details == {"period": "2026", "organisation_id": None, "value": 3.0}
