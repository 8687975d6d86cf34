"""A follow-up campaign linked to its baseline: in the service, the campaign form, the command line and
the campaign page; a baseline of another country (or framework, or not earlier) is refused."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Campaign, FocalPointScope
from app.services.assessment import campaigns
from app.services.audit import SYSTEM, Actor
from app.services.errors import NotFound, ValidationFailed
from tests.factories import (
    CampaignFactory,
    CountryFactory,
    FocalPointFactory,
    OrganisationFactory,
    make_framework,
    make_instrument,
)
from tests.web.test_evaluation import at, page_of


@pytest.fixture
def baseline():
    country = CountryFactory(name="Kenya", time_zone="Africa/Nairobi")
    OrganisationFactory(country=country, name="Ministry of ICT")
    instrument = make_instrument(make_framework(), code="tna")
    instrument.current = True
    return CampaignFactory(country=country, instrument=instrument, name="Baseline 2026",
                           cycle_label="baseline", opens_at=at("2026-03-01T05:00"),
                           closes_at=at("2026-03-31T20:59"))


def create(baseline_campaign, follows, **overrides):
    fields = {"country": baseline_campaign.country, "instrument": baseline_campaign.instrument,
              "name": "Follow-up 2027", "cycle_label": "follow-up 1",
              "opens_local": datetime(2027, 3, 1, 8, 0), "closes_local": datetime(2027, 3, 31, 23, 59),
              "baseline": follows} | overrides
    return campaigns.create_campaign(db.session, SYSTEM, **fields)


def test_a_follow_up_points_at_its_baseline_and_the_audit_says_so(baseline):
    follow_up = create(baseline, baseline)
    db.session.flush()
    assert follow_up.baseline is baseline and follow_up.baseline_id == baseline.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.create"))
    assert event.details["baseline_id"] == baseline.id
    assert create(baseline, None, name="Another baseline").baseline_id is None


def test_a_baseline_of_another_country_framework_or_later_date_is_refused(baseline):
    foreign = CampaignFactory(instrument=baseline.instrument, opens_at=at("2026-01-01T00:00"))
    with pytest.raises(ValidationFailed, match="campaign of another country") as error:
        create(baseline, foreign)
    assert error.value.field == "baseline"
    other_framework = CampaignFactory(country=baseline.country, opens_at=at("2026-01-01T00:00"))
    with pytest.raises(ValidationFailed, match="another competency framework"):
        create(baseline, other_framework)
    with pytest.raises(ValidationFailed, match="must open after the campaign it follows"):
        create(baseline, baseline, opens_local=datetime(2026, 2, 1, 8, 0),
               closes_local=datetime(2026, 2, 28, 8, 0))


def test_the_campaign_form_offers_the_countrys_campaigns_to_follow(browser, baseline):
    elsewhere = CampaignFactory(instrument=baseline.instrument, name="Foreign baseline")
    focal = FocalPointFactory(country=baseline.country)
    focal.scopes.append(FocalPointScope(country=elsewhere.country))  # sees both countries
    db.session.flush()
    browser.sign_in_as(focal)
    url = f"/campaigns/new?country={baseline.country.id}"
    html = page_of(browser.get(url))
    assert "Follows" in html and "None — this is a baseline" in html
    assert "Baseline 2026 (baseline, 1 March 2026)" in html and "Foreign baseline" not in html
    form = {"name": "Follow-up 2027", "cycle_label": "follow-up 1", "instrument": baseline.instrument.id,
            "opens_date": ["1", "3", "2027"], "opens_time": "08:00", "closes_date": ["31", "3", "2027"],
            "closes_time": "23:59", "scope": "all"}

    html = page_of(browser.post(url, {**form, "baseline": elsewhere.id}))  # not a choice here
    assert "Choose the campaign this one follows from the list" in html and "Not a valid" not in html
    response = browser.post(url, {**form, "baseline": baseline.id})
    assert response.status_code == 302
    follow_up = db.session.scalar(select(Campaign).where(Campaign.name == "Follow-up 2027"))
    assert follow_up.baseline_id == baseline.id
    html = page_of(browser.get(response.location))
    assert "Follow-up of" in html and f'href="/campaigns/{baseline.id}">Baseline 2026</a> (baseline)' in html
    assert "Follow-up of" not in page_of(browser.get(f"/campaigns/{baseline.id}"))


def test_the_form_shows_why_a_baseline_is_refused(browser, baseline):
    browser.sign_in_as(FocalPointFactory(country=baseline.country))
    url = f"/campaigns/new?country={baseline.country.id}"
    html = page_of(browser.post(url, {
        "name": "Too early", "cycle_label": "follow-up 1", "instrument": baseline.instrument.id,
        "opens_date": ["1", "2", "2026"], "opens_time": "08:00", "closes_date": ["20", "2", "2026"],
        "closes_time": "23:59", "scope": "all", "baseline": baseline.id}))
    assert "A follow-up must open after the campaign it follows (Baseline 2026)" in html
    assert db.session.scalar(select(Campaign).where(Campaign.name == "Too early")) is None


def test_the_command_line_creates_a_follow_up(app, baseline):
    runner = app.test_cli_runner()
    args = ["campaigns", "create", "--country", baseline.country.code, "--instrument", "tna",
            "--name", "Follow-up 2027", "--cycle", "follow-up 1", "--opens", "2027-03-01", "--closes",
            "2027-03-31"]
    result = runner.invoke(args=[*args, "--follows", str(baseline.id)])
    assert result.exit_code == 0, result.output
    assert f"follows campaign {baseline.id} (Baseline 2026)" in result.output
    assert db.session.scalar(select(Campaign).where(Campaign.name == "Follow-up 2027")).baseline_id == \
        baseline.id

    result = runner.invoke(args=[*args, "--follows", "999999"])
    assert result.exit_code == 2 and "no campaign 999999" in result.output
    foreign = CampaignFactory(instrument=baseline.instrument, opens_at=at("2026-01-01T00:00"))
    result = runner.invoke(args=[*args, "--name", "Other", "--follows", str(foreign.id)])
    assert result.exit_code == 1 and "baseline: " in result.output and "another country" in result.output


def test_a_focal_point_of_another_country_cannot_create_a_follow_up(baseline):
    with pytest.raises(NotFound):
        campaigns.create_campaign(
            db.session, Actor(FocalPointFactory()), country=baseline.country, instrument=baseline.instrument,
            name="X", cycle_label="follow-up 1", opens_local=datetime(2027, 3, 1),
            closes_local=datetime(2027, 3, 2), baseline=baseline)
