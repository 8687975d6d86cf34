"""The content-gap table on a fixture built for it: it must list exactly the combinations without
enough material in the officials' first language, each count of officials released (under K hidden,
the others moved by the key of the officials behind them), in a constant number of statements."""

from datetime import timedelta

from sqlalchemy import event

from app.extensions import db
from app.models import Answer, Attempt, AttemptStatus, CompetencyResult, ResultSource
from app.models.base import utcnow
from app.services.assessment.context import first_language
from app.services.evaluation import Suppressed, largest_content_gaps
from app.services.evaluation.release import Count, Release
from tests.factories import (
    InvitationFactory,
    OrganisationFactory,
    ResourceFactory,
    UserFactory,
)

NOISY = Release(5, noise=2, secret=b"test")


def content_gaps(session, scope, k=1, **kwargs):
    """The whole report's rows; k = 1: exact counts, for the tests of what is demand."""
    return largest_content_gaps(session, scope, k, **kwargs).rows


def _submitted(campaign, org, *, results, languages=None, locale=None, user=None, submitted_at=None):
    """An official's submitted attempt with results {competency: (calibrated, target)}."""
    official = user or UserFactory(organisation=org, locale=locale)
    attempt = Attempt(campaign=campaign, user=official, instrument=campaign.instrument,
                      country_id=org.country_id, organisation=org, status=AttemptStatus.SUBMITTED,
                      submitted_at=submitted_at or utcnow())
    db.session.add(attempt)
    for competency, (calibrated, target) in results.items():
        attempt.results.append(CompetencyResult(competency=competency, calibrated_level=calibrated,
                                                target_level=target, gap=max(0, target - calibrated)))
    if languages is not None:
        item = next(i for i in campaign.instrument.items if i.code == "ctx-languages")
        attempt.answers.append(Answer(item=item, value=languages))
        attempt.first_language = first_language(languages)  # as the submission keeps it
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


def _officials(campaign, org, competency, level, language, n):
    return [_submitted(campaign, org, results={competency: (level, 4)}, languages=[language]).user
            for _ in range(n)]


def test_each_count_is_released_by_the_key_of_its_officials():
    invitation = InvitationFactory()
    campaign, org = invitation.campaign, invitation.organisation
    competency = campaign.instrument.framework.competencies[0]
    many = _officials(campaign, org, competency, 1, "fr", 7)
    _officials(campaign, org, competency, 2, "fr", 3)
    rows = {g.level: g.officials for g in content_gaps(db.session, None, NOISY)}
    assert rows == {1: NOISY.count(7, sum(u.id for u in many), "users"), 2: Suppressed(5)}
    assert isinstance(rows[1], Count) and 5 <= rows[1] <= 9


def test_the_same_officials_get_the_same_figure_however_the_table_is_reached():
    invitation = InvitationFactory()
    campaign, org = invitation.campaign, invitation.organisation
    competency = campaign.instrument.framework.competencies[0]
    for level, n in ((0, 9), (1, 8), (2, 6)):
        _officials(campaign, org, competency, level, "fr", n)
    other = InvitationFactory()  # another country's gaps are in the report for every country
    _officials(other.campaign, other.organisation, other.campaign.instrument.framework.competencies[0],
               1, "fr", 6)

    def figures(scope, top=None):
        return {(g.competency_code, g.level): g.officials
                for g in content_gaps(db.session, scope, NOISY, top=top)}

    mine = figures(frozenset({org.country_id}))
    everywhere = figures(None)
    assert len(mine) == 3 and len(everywhere) == 4
    assert all(everywhere[key] == value for key, value in mine.items())
    top = figures(None, top=2)
    assert len(top) == 2 and all(everywhere[key] == value for key, value in top.items())


def test_hidden_rows_come_last_in_an_order_that_does_not_tell_their_size():
    invitation = InvitationFactory()
    campaign, org = invitation.campaign, invitation.organisation
    competency = campaign.instrument.framework.competencies[0]
    _officials(campaign, org, competency, 0, "fr", 1)
    _officials(campaign, org, competency, 1, "fr", 3)
    _officials(campaign, org, competency, 2, "fr", 5)
    table = largest_content_gaps(db.session, None, 5)
    assert [(g.level, g.officials) for g in table.rows] == [(2, 5), (0, Suppressed(5)), (1, Suppressed(5))]
    assert [(g.level, g.officials) for g in largest_content_gaps(db.session, None, 5, top=2).rows] == [
        (2, 5), (0, Suppressed(5))]
    assert table.name == "content-gaps" and "officials" not in table.plain
    assert set(table.plain) == set(table.columns) - {"officials"}


def test_the_table_runs_the_same_number_of_statements_however_many_officials():
    invitation = InvitationFactory()
    campaign, org = invitation.campaign, invitation.organisation
    analysis, security = campaign.instrument.framework.competencies
    ResourceFactory(languages=["en"], teaches={analysis: (0, 3)})

    def statements():
        db.session.flush()
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        engine = db.session.get_bind()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            largest_content_gaps(db.session, None, NOISY)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    _submitted(campaign, org, results={analysis: (1, 3), security: (0, 2)}, languages=["fr"])
    few = statements()
    for language in ("fr", "en", "ar", "es"):
        for level in (0, 1, 2):
            _officials(campaign, org, analysis, level, language, 2)
            _officials(campaign, org, security, level, language, 2)
    assert statements() == few


def test_an_officials_latest_attempt_is_the_last_submitted_then_the_highest_id():
    invitation = InvitationFactory()
    campaign, org = invitation.campaign, invitation.organisation
    competency = campaign.instrument.framework.competencies[0]
    when = utcnow() - timedelta(days=1)
    first = _submitted(campaign, org, results={competency: (0, 4)}, languages=["fr"], submitted_at=when)
    follow_up = InvitationFactory(campaign__country=org.country, organisation=org, user=first.user).campaign
    _submitted(follow_up, org, results={competency: (3, 4)}, languages=["fr"], user=first.user,
               submitted_at=when)  # same time, higher id: this one counts
    assert [(g.level, g.officials) for g in content_gaps(db.session, None)] == [(3, 1)]


def test_the_database_groups_the_demand_so_no_row_per_official_comes_back():
    """At 100,000 officials the report fetched a row per official and gap (1.5 million) and grouped
    them in Python (11 s of a 14 s table): the database now hands back one row per competency, level
    and way of answering the language question, however many officials there are."""
    invitation = InvitationFactory()
    campaign, org = invitation.campaign, invitation.organisation
    analysis, security = campaign.instrument.framework.competencies
    ResourceFactory(languages=["en"], teaches={analysis: (0, 3)})

    def rows_fetched():
        db.session.flush()
        fetched = []

        def count(state):
            result = state.invoke_statement().freeze()
            fetched.append(len(result().all()))
            return result()

        event.listen(db.session, "do_orm_execute", count)
        try:
            table = largest_content_gaps(db.session, None, 1)
        finally:
            event.remove(db.session, "do_orm_execute", count)
        return sum(fetched), sorted((row.competency_code, row.level, row.language, int(row.officials))
                                    for row in table.rows)

    for language in ("fr", "ar"):
        _officials(campaign, org, analysis, 1, language, 2)
        _officials(campaign, org, security, 0, language, 2)
    few, gaps = rows_fetched()
    for language in ("fr", "ar"):
        _officials(campaign, org, analysis, 1, language, 20)
        _officials(campaign, org, security, 0, language, 20)
    many, more_gaps = rows_fetched()
    assert many == few
    assert [(code, level, language) for code, level, language, _ in more_gaps] == [
        (code, level, language) for code, level, language, _ in gaps]
    assert [n for *_, n in more_gaps] == [n * 11 for *_, n in gaps]
