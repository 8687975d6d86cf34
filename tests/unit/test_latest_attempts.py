"""Each official's latest submitted attempt, defined once (app.services.assessment.latest) and read
the same way by the learning plans, the dashboard's tables and the content-gap report: the last
submitted, ties broken by the highest id; an attempt in progress never counts."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Attempt, AttemptStatus, CompetencyResult, User
from app.models.base import utcnow
from app.services.assessment.latest import latest_submitted_attempts
from app.services.evaluation import Filters
from app.services.evaluation.common import chosen_attempts
from app.services.learning.plans import load_results
from tests.factories import InvitationFactory


def _attempt(campaign, user, competency, level, when, status=AttemptStatus.SUBMITTED):
    attempt = Attempt(campaign=campaign, user=user, instrument=campaign.instrument,
                      country_id=campaign.country_id, organisation=user.organisation, status=status,
                      submitted_at=when if status == AttemptStatus.SUBMITTED else None)
    attempt.results.append(CompetencyResult(competency=competency, calibrated_level=level, target_level=4,
                                            gap=4 - level))
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _two_attempts_at_the_same_time():
    invitation = InvitationFactory()
    official, campaign = invitation.user, invitation.campaign
    competency = campaign.instrument.framework.competencies[0]
    when = utcnow() - timedelta(days=1)
    first = _attempt(campaign, official, competency, 1, when)
    second = _attempt(_another_campaign(first), official, competency, 2, when)
    _attempt(_another_campaign(first), official, competency, 0, None,
             status=AttemptStatus.IN_PROGRESS)  # started later, not submitted: never counts
    return official, first, second


def _another_campaign(attempt):
    """A campaign in the attempt's country to which its official is invited too."""
    return InvitationFactory(campaign__country=attempt.campaign.country, organisation=attempt.organisation,
                             user=attempt.user).campaign


def test_the_latest_is_the_last_submitted_ties_broken_by_the_highest_id():
    official, first, second = _two_attempts_at_the_same_time()
    assert second.id > first.id
    latest = latest_submitted_attempts().subquery()
    found = db.session.execute(select(latest.c.user_id, latest.c.attempt_id)).all()
    assert found == [(official.id, second.id)]
    later = _attempt(_another_campaign(first), official, first.results[0].competency, 3, utcnow())
    assert db.session.scalars(select(latest.c.attempt_id)).all() == [later.id]


def test_the_conditions_choose_among_the_attempts_before_the_latest_is_taken():
    official, first, _second = _two_attempts_at_the_same_time()
    latest = latest_submitted_attempts(Attempt.campaign_id == first.campaign_id).subquery()
    assert db.session.scalars(select(latest.c.attempt_id)).all() == [first.id]


def test_the_plans_and_the_dashboard_read_the_same_attempt():
    official, first, second = _two_attempts_at_the_same_time()
    chosen = chosen_attempts(None, Filters())
    assert db.session.scalars(select(chosen.c.attempt_id)).all() == [second.id]
    in_first = chosen_attempts(None, Filters(campaign_id=first.campaign_id))
    assert db.session.scalars(select(in_first.c.attempt_id)).all() == [first.id]
    results = load_results(db.session, select(User.id).where(User.id == official.id))
    assert results["current"].tolist() == [2]  # the second attempt's level
