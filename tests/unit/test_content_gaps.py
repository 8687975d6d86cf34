"""The content-gap report on a fixture built for it: it must list exactly the combinations without
enough material in the officials' first language."""

from app.extensions import db
from app.models import Answer, Attempt, AttemptStatus, CompetencyResult, ResultSource
from app.models.base import utcnow
from app.services.evaluation.content_gaps import content_gaps
from tests.factories import (
    InvitationFactory,
    OrganisationFactory,
    ResourceFactory,
    UserFactory,
)


def _submitted(campaign, org, *, results, languages=None, locale=None):
    """An official's submitted attempt with results {competency: (calibrated, target)}."""
    official = UserFactory(organisation=org, locale=locale)
    attempt = Attempt(campaign=campaign, user=official, instrument=campaign.instrument,
                      country_id=org.country_id, organisation=org, status=AttemptStatus.SUBMITTED,
                      submitted_at=utcnow())
    db.session.add(attempt)
    for competency, (calibrated, target) in results.items():
        attempt.results.append(CompetencyResult(competency=competency, calibrated_level=calibrated,
                                                target_level=target, gap=max(0, target - calibrated)))
    if languages is not None:
        item = next(i for i in campaign.instrument.items if i.code == "ctx-languages")
        attempt.answers.append(Answer(item=item, value=languages))
    db.session.flush()
    return attempt


def test_the_report_lists_exactly_the_combinations_without_enough_material():
    invitation = InvitationFactory()
    campaign, org = invitation.campaign, invitation.organisation
    framework = campaign.instrument.framework
    analysis, security = framework.competencies
    # Supply: two English resources for analysis 1->2, one French; one English for security 0->3.
    ResourceFactory(languages=["en"], teaches={analysis: (1, 2)})
    ResourceFactory(languages=["en-GB"], teaches={analysis: (0, 3)})
    ResourceFactory(languages=["fr"], teaches={analysis: (1, 2)})
    ResourceFactory(languages=["en"], teaches={security: (0, 3)})
    ResourceFactory(languages=["fr"], teaches={security: (0, 3)}, status="retired")

    for _ in range(3):  # English speakers at analysis 1: two resources -> enough, not listed
        _submitted(campaign, org, results={analysis: (1, 3)}, languages=["en"])
    for _ in range(2):  # French speakers at analysis 1: one resource -> too little
        _submitted(campaign, org, results={analysis: (1, 3), security: (2, 3)}, languages=["fr", "en"])
    _submitted(campaign, org, results={analysis: (3, 4)}, locale="fr")  # level 3: nothing at all
    _submitted(campaign, org, results={analysis: (2, 2)}, languages=["ar"])  # no gap: not demand
    other_country = OrganisationFactory()
    other_invitation = InvitationFactory(organisation=other_country,
                                         campaign__country=other_country.country)
    _submitted(other_invitation.campaign, other_country,
               results={other_invitation.campaign.instrument.framework.competencies[0]: (0, 4)})

    rows = {(g.competency_code, g.level, g.language): (g.officials, g.resources_in_language,
                                                      g.resources_any_language, g.status)
            for g in content_gaps(db.session, frozenset({org.country_id}))}
    assert rows == {
        (analysis.code, 1, "fr"): (2, 1, 3, "too little"),
        (security.code, 2, "fr"): (2, 0, 1, "none"),  # the French one is retired
        (analysis.code, 3, "fr"): (1, 0, 0, "none"),
    }
    assert len(content_gaps(db.session, None)) == 4  # every country: the other one's gap too


def test_only_the_latest_attempt_of_an_official_counts():
    invitation = InvitationFactory()
    campaign, org = invitation.campaign, invitation.organisation
    competency = campaign.instrument.framework.competencies[0]
    first = _submitted(campaign, org, results={competency: (0, 2)}, languages=["en"])
    official = first.user
    follow_up = InvitationFactory(campaign__country=org.country, organisation=org, user=official).campaign
    later = Attempt(campaign=follow_up, user=official, instrument=follow_up.instrument,
                    country_id=org.country_id, organisation=org, status=AttemptStatus.SUBMITTED,
                    submitted_at=utcnow())
    later.results.append(CompetencyResult(competency=competency, calibrated_level=2, target_level=2, gap=0))
    db.session.add(later)
    db.session.flush()
    assert content_gaps(db.session, None) == []


def test_no_submitted_assessments_no_report():
    assert content_gaps(db.session, None) == []




def test_a_not_assessed_competency_is_not_demand():
    invitation = InvitationFactory()
    campaign, org = invitation.campaign, invitation.organisation
    analysis, security = campaign.instrument.framework.competencies
    official = UserFactory(organisation=org)
    attempt = Attempt(campaign=campaign, user=official, instrument=campaign.instrument,
                      country_id=org.country_id, organisation=org, status=AttemptStatus.SUBMITTED,
                      submitted_at=utcnow())
    attempt.results.append(CompetencyResult(competency=analysis, calibrated_level=None, target_level=3,
                                            gap=None, source=ResultSource.NOT_ASSESSED))
    # even a stray gap on a result without a level does not make it demand
    attempt.results.append(CompetencyResult(competency=security, calibrated_level=None, target_level=2,
                                            gap=2, source=ResultSource.NOT_ASSESSED))
    db.session.add(attempt)
    db.session.flush()
    assert content_gaps(db.session, None) == []


def test_the_first_language_is_the_first_one_the_official_ticked():
    invitation = InvitationFactory()
    campaign, org = invitation.campaign, invitation.organisation
    analysis = campaign.instrument.framework.competencies[0]
    _submitted(campaign, org, results={analysis: (1, 3)}, languages=["fr", "en"])
    assert [(g.language, g.officials) for g in content_gaps(db.session, None)] == [("fr", 1)]


def test_another_language_ticked_first_is_passed_over_for_the_first_one_named():
    invitation = InvitationFactory()
    campaign, org = invitation.campaign, invitation.organisation
    analysis = campaign.instrument.framework.competencies[0]
    _submitted(campaign, org, results={analysis: (1, 3)}, languages=["other", "fr"])
    _submitted(campaign, org, results={analysis: (1, 3)}, languages=["other"], locale="ar")
    assert {(g.language, g.officials) for g in content_gaps(db.session, None)} == {("fr", 1), ("ar", 1)}
