"""The home page tells an official what to do next: their open assessments, by when, how long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models.base import utcnow
from app.services.assessment import answers, taking
from tests.factories import (
    CampaignFactory,
    InvitationFactory,
    RoleProfileFactory,
    UserFactory,
    make_framework,
    make_instrument,
)


def _invitation(name="Digital skills follow-up", **campaign):
    framework = make_framework(competencies=2)
    role = RoleProfileFactory(framework=framework, targets={c: 2 for c in framework.competencies})
    return InvitationFactory(role_profile=role, campaign=CampaignFactory(
        instrument=make_instrument(framework), name=name, **campaign))


def test_an_official_is_told_which_assessment_is_open_until_when_and_how_long_it_takes(browser):
    # 23 December 2026 20:30 in Nairobi (UTC+3): the date the official reads is the country's
    invitation = _invitation(closes_at=datetime(2026, 12, 23, 17, 30, tzinfo=UTC),
                             opens_at=utcnow() - timedelta(days=2))
    if utcnow() >= invitation.campaign.closes_at:
        invitation.campaign.closes_at = utcnow() + timedelta(days=10)
    _invitation(name="Someone else's", closes_at=utcnow() + timedelta(days=5))  # not theirs
    html = browser.sign_in_as(invitation.user).get("/").get_data(as_text=True)
    assert "Digital skills follow-up is open until" in html
    if invitation.campaign.closes_at.year == 2026 and invitation.campaign.closes_at.month == 12:
        assert "open until 23 December" in html
    assert "about 5 minutes to answer" in html  # 7 questions at 40 seconds, to the next 5 minutes
    assert "Start the assessment" in html and "Someone else" not in html


def test_an_assessment_in_progress_says_how_much_is_left(browser):
    invitation = _invitation()
    attempt = taking.start(db.session, invitation.user, invitation.campaign_id, utcnow())
    item = next(iter(attempt.instrument.items))
    answers.save_answers(db.session, attempt.id, attempt.user_id, {item.id: ["en"]}, now=utcnow())
    html = browser.sign_in_as(invitation.user).get("/").get_data(as_text=True)
    assert "Continue your assessment" in html
    assert "6 questions left" in html


def test_nothing_open_says_so_and_a_submitted_one_is_not_a_next_step(browser):
    html = browser.sign_in_as(UserFactory()).get("/").get_data(as_text=True)
    assert "You have no assessment to answer at the moment." in html


def test_the_assessment_page_says_how_long_it_takes_from_its_own_questions(browser):
    invitation = _invitation()
    html = browser.sign_in_as(invitation.user).get(f"/assess/campaigns/{invitation.campaign_id}")
    assert "7 questions, about 5 minutes to answer." in html.get_data(as_text=True)
