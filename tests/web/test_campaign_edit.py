"""Changing a campaign: its window, organisations and reminder schedule, in plain words, audited;
and every date field of the campaign forms says what is wrong with it."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db, mail
from app.models import Attempt, AttemptStatus, AuditEvent, Campaign, Invitation, Job, OrganisationAssessment
from app.models.base import utcnow
from app.services.assessment import campaign_edit
from app.services.audit import SYSTEM
from tests.factories import (
    CountryFactory,
    FocalPointFactory,
    InvitationFactory,
    OrganisationFactory,
    UserFactory,
    make_framework,
    make_instrument,
)
from tests.unit.test_campaigns_service import make_campaign


def _campaign(**kwargs):
    now = utcnow().replace(second=0, microsecond=0)
    kwargs.setdefault("opens_at", now - timedelta(days=1))
    kwargs.setdefault("closes_at", now + timedelta(days=10))
    campaign = make_campaign(CountryFactory(time_zone="UTC"), **kwargs)
    return campaign


def _form(campaign, *, opens=None, closes=None, organisations=None, reminders=()):
    opens = opens or campaign.opens_at
    closes = closes or campaign.closes_at
    return {
        "opens_date": [str(opens.day), str(opens.month), str(opens.year)],
        "opens_time": f"{opens:%H:%M}",
        "closes_date": [str(closes.day), str(closes.month), str(closes.year)],
        "closes_time": f"{closes:%H:%M}",
        "organisations": [o.id for o in organisations] if organisations is not None
        else [co.organisation_id for co in campaign.organisations],
        "reminder_days": [str(d) for d in reminders],
    }


def _start(campaign, organisation, started_at=None):
    invitation = InvitationFactory(campaign=campaign, organisation=organisation,
                                   user=UserFactory(organisation=organisation, country=campaign.country))
    db.session.add(Attempt(campaign_id=campaign.id, user_id=invitation.user_id,
                           instrument_id=campaign.instrument_id, country_id=campaign.country_id,
                           organisation_id=organisation.id, status=AttemptStatus.IN_PROGRESS,
                           last_section=0, started_at=started_at or utcnow(), updated_at=utcnow(),
                           seed=1))
    db.session.flush()
    return invitation


def _post(browser, campaign, data):
    return browser.post(f"/campaigns/{campaign.id}/edit", data, follow_redirects=True)


def test_a_focal_point_extends_the_deadline_and_adds_an_organisation(browser):
    campaign = _campaign()
    finance = OrganisationFactory(country=campaign.country, name="Ministry of Finance")
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    show = browser.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f'href="/campaigns/{campaign.id}/edit"' in show
    form = browser.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert "Ministry of Finance" in form and "Change the campaign" in form

    old_close = campaign.closes_at
    new_close = old_close + timedelta(days=7)
    page = _post(browser, campaign, _form(
        campaign, closes=new_close,
        organisations=[co.organisation for co in campaign.organisations] + [finance],
        reminders=[3])).get_data(as_text=True)

    assert "Campaign changes saved" in page
    assert f"closes {new_close.day} {new_close:%B %Y} at {new_close:%H:%M} (was {old_close.day}" in page
    changed = db.session.get(Campaign, campaign.id)
    assert changed.closes_at == new_close
    assert finance.id in {co.organisation_id for co in changed.organisations}
    assert changed.reminder_days == [3]
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "campaign.edit")))
    assert len(events) == 1  # one entry for the edit, saying what changed
    changes = {c["what"]: (c["before"], c["after"]) for c in events[0].details["changes"]}
    assert changes["closes"] == (old_close.isoformat(), new_close.isoformat())
    assert "Ministry of Finance" in changes["organisations"][1]
    assert "Ministry of Finance" not in changes["organisations"][0]
    assert changes["reminders"] == ("none", "3 days before closing")


def test_a_focal_point_cannot_edit_another_countrys_campaign(browser):
    campaign = _campaign()
    browser.sign_in_as(FocalPointFactory(country=CountryFactory()))
    assert browser.get(f"/campaigns/{campaign.id}/edit").status_code == 404
    response = browser.post(f"/campaigns/{campaign.id}/edit", _form(campaign),
                            token_from="/campaigns/")
    assert response.status_code == 404


def test_officials_may_not_edit_campaigns(browser):
    campaign = _campaign()
    browser.sign_in_as(UserFactory(country=campaign.country))
    assert browser.get(f"/campaigns/{campaign.id}/edit").status_code == 403


def test_every_problem_of_an_edit_is_said_at_once_in_plain_words(browser):
    campaign = _campaign()
    ministry = campaign.organisations[0].organisation
    _start(campaign, ministry)
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    now = utcnow()
    response = _post(browser, campaign, _form(
        campaign, opens=now + timedelta(days=2), closes=now - timedelta(hours=2),
        organisations=[campaign.organisations[1].organisation]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    assert "To end the campaign now, use Close early" in page
    assert "cannot open later than now" in page
    assert "Ministry of ICT cannot be removed: 1 of its officials has started answering" in page
    unchanged = db.session.get(Campaign, campaign.id)
    assert unchanged.closes_at == campaign.closes_at
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.edit"))


def test_the_opening_of_a_campaign_nobody_started_may_move_later(browser):
    campaign = _campaign()
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    later = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
    page = _post(browser, campaign, _form(campaign, opens=later)).get_data(as_text=True)
    assert "Campaign changes saved" in page
    assert db.session.get(Campaign, campaign.id).opens_at == later


def test_removing_an_organisation_nobody_started_in_withdraws_its_invitations(browser):
    campaign = _campaign()
    revenue = campaign.organisations[1].organisation
    InvitationFactory(campaign=campaign, organisation=revenue, user=UserFactory(organisation=revenue))
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    page = _post(browser, campaign, _form(campaign, organisations=[campaign.organisations[0].organisation])
                 ).get_data(as_text=True)
    assert "Campaign changes saved" in page and "1 invitation withdrawn" in page
    assert [co.organisation_id for co in db.session.get(Campaign, campaign.id).organisations] == \
        [campaign.organisations[0].organisation_id]
    assert not db.session.scalar(select(Invitation).where(Invitation.organisation_id == revenue.id))


def test_a_closed_campaign_cannot_be_changed(browser):
    campaign = _campaign(opens_at=utcnow() - timedelta(days=5), closes_at=utcnow() - timedelta(days=1))
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    page = browser.get(f"/campaigns/{campaign.id}/edit", follow_redirects=True).get_data(as_text=True)
    assert "it can no longer be changed" in page


# Dates in plain words ----------------------------------------------------------------------------

def test_31_february_is_explained_on_each_date_field_with_every_other_error(browser):
    country = CountryFactory()
    OrganisationFactory(country=country)
    instrument = make_instrument(make_framework())
    browser.sign_in_as(FocalPointFactory(country=country))
    response = browser.post("/campaigns/new", {
        "name": "", "cycle_label": "baseline", "instrument": instrument.id,
        "opens_date": ["31", "2", "2027"], "opens_time": "08:00",
        "closes_date": ["3", "", ""], "closes_time": "25:00", "scope": "all", "min_checks": "two",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Not a valid" not in page
    assert "The opening date must be a real date, for example 27 3 2027" in page
    assert "The closing date must include a month and a year" in page
    assert 'href="#opens_date"' in page and 'id="opens_date"' in page  # the summary's link lands
    assert "Enter the campaign&#39;s name" in page or "Enter the campaign's name" in page
    assert "Enter the closing time as hours and minutes" in page
    assert "Enter the number of knowledge checks as a whole number from 0 to 6, for example 2" in page


def test_the_edit_form_explains_a_date_that_does_not_exist(browser):
    campaign = _campaign()
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    data = _form(campaign)
    data["closes_date"] = ["31", "2", "2027"]
    page = _post(browser, campaign, data).get_data(as_text=True)
    assert "The closing date must be a real date, for example 27 3 2027" in page
    assert "Not a valid" not in page


# Scheduled reminders -----------------------------------------------------------------------------

def test_scheduled_reminders_go_out_once_when_due(app, browser):
    now = utcnow()
    campaign = _campaign(closes_at=now + timedelta(days=3, hours=1))
    ministry = campaign.organisations[0].organisation
    InvitationFactory(campaign=campaign, organisation=ministry,
                      user=UserFactory(organisation=ministry, email="late@example.org"))
    campaign_edit.edit_campaign(db.session, SYSTEM, campaign, campaign_edit.Edit(
        opens_local=campaign.opens_at.replace(tzinfo=None),
        closes_local=campaign.closes_at.replace(tzinfo=None),
        organisations=[co.organisation for co in campaign.organisations], reminder_days=[7, 3]), now)
    db.session.flush()
    assert campaign_edit.due_reminders(db.session, now) == []  # 7 days before had passed already

    runner = app.test_cli_runner()
    with mail.record_messages() as outbox:
        result = runner.invoke(args=["campaigns", "remind-due", "--now",
                                     (now + timedelta(hours=2)).isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 campaign" in result.output
    assert [m.recipients[0] for m in outbox] == ["late@example.org"]
    with mail.record_messages() as again:
        runner.invoke(args=["campaigns", "remind-due", "--now", (now + timedelta(hours=3)).isoformat()])
    assert again == []
    assert db.session.scalar(select(Job).where(Job.kind == "campaigns.remind")) is not None
    assert datetime.now(UTC) > now


def test_an_organisation_whose_maturity_assessment_has_begun_stays(browser):
    campaign = _campaign()
    from tests.unit.test_campaigns_org_maturity import make_org_instrument

    revenue = campaign.organisations[1].organisation
    db.session.add(OrganisationAssessment(campaign_id=campaign.id, organisation_id=revenue.id,
                                          country_id=campaign.country_id,
                                          instrument_id=make_org_instrument(campaign.instrument.framework).id,
                                          answers={}))
    db.session.flush()
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    page = _post(browser, campaign, _form(campaign, organisations=[campaign.organisations[0].organisation])
                 ).get_data(as_text=True)
    assert "Revenue Authority cannot be removed: its organisation assessment has been started" in page


def test_the_opening_cannot_move_after_the_first_answer(browser):
    now = utcnow().replace(second=0, microsecond=0)
    campaign = _campaign(opens_at=now - timedelta(days=5))
    _start(campaign, campaign.organisations[0].organisation, started_at=now - timedelta(days=3))
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    page = _post(browser, campaign, _form(campaign, opens=now - timedelta(days=1))).get_data(as_text=True)
    assert "The first official started answering on" in page
    assert "so the campaign cannot open after that" in page
