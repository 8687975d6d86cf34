"""The line manager's pages and the official's "your line manager" page, through the test client."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from app.extensions import db, mail
from app.models import CompetencyResult, Job, ResultSource
from app.models.base import utcnow
from app.services.assessment import taking, validation
from tests.factories import (
    CampaignFactory,
    CountryFactory,
    FocalPointFactory,
    InvitationFactory,
    UserFactory,
    make_framework,
    make_instrument,
)
from tests.unit.test_validation import reviewable


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# The official names their manager ---------------------------------------------------------------------

def test_an_official_names_their_line_manager_with_clear_errors(browser):
    official = UserFactory(email="me@example.org")
    boss = UserFactory(email="boss@example.org", name="Bea Boss", organisation=official.organisation)
    UserFactory(email="abroad@example.org")
    browser.sign_in_as(official)
    assert "You have not named a line manager." in _text(browser.get("/managers/line-manager"))

    for email, error in (("me@example.org", "You cannot be your own line manager"),
                         ("abroad@example.org",
                          "No active account in your organisation has the address abroad@example.org"),
                         ("who?", "Enter a valid email address")):
        page = _text(browser.post("/managers/line-manager", {"manager_email": email}))
        assert "There is a problem" in page and error in page and 'href="#manager_email"' in page
        assert official.manager_id is None

    page = _text(browser.post("/managers/line-manager", {"manager_email": "Boss@example.org"},
                              follow_redirects=True))
    assert "Bea Boss is now your line manager." in page
    assert "Your line manager is Bea Boss (boss@example.org)." in page
    db.session.refresh(official)
    assert official.manager_id == boss.id
    page = _text(browser.post("/managers/line-manager", {"manager_email": ""}, follow_redirects=True))
    assert "You have no line manager named now." in page


def test_only_officials_name_a_manager(browser):
    browser.sign_in_as(FocalPointFactory())
    assert browser.get("/managers/line-manager").status_code == 403
    assert browser.client.get("/managers/").status_code == 200  # a focal point may still have reports


# Scope --------------------------------------------------------------------------------------------------

def test_a_manager_sees_only_their_own_reports(app, browser):
    manager = UserFactory(name="Mary Manager")
    mine = reviewable(manager)
    mine.user.name = "Olu Official"
    theirs = reviewable()  # another official, with another manager
    theirs.user.name = "Tess Theirs"
    browser.sign_in_as(manager)
    page = _text(browser.get("/managers/"))
    assert mine.user.name in page and theirs.user.name not in page
    assert f'href="/managers/attempts/{mine.id}"' in page
    assert browser.get(f"/managers/attempts/{mine.id}").status_code == 200
    assert browser.get(f"/managers/attempts/{theirs.id}").status_code == 404
    assert browser.get("/managers/attempts/999999").status_code == 404

    foreign_focal_point = FocalPointFactory(country=CountryFactory())
    own_focal_point = FocalPointFactory(country=mine.campaign.country)
    for someone in (theirs.user.manager, mine.user, foreign_focal_point, own_focal_point,
                    UserFactory(admin=True)):
        browser.sign_in_as(someone)
        assert browser.get(f"/managers/attempts/{mine.id}").status_code == 404, someone
        assert mine.user.name not in _text(browser.get("/managers/")).split('id="main-content"')[1]
        level = {f"level_{r.competency_id}": "4" for r in mine.results}
        response = browser.post(f"/managers/attempts/{mine.id}", level, token_from="/managers/")
        assert response.status_code == 404
    assert mine.reviewed_at is None
    assert {r.source for r in mine.results} == {ResultSource.ASSESSED, ResultSource.NOT_ASSESSED}
    anonymous = app.test_client().get(f"/managers/attempts/{mine.id}")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]


def test_the_pages_take_the_same_statements_for_one_report_or_many(browser):
    manager = UserFactory()
    attempt = reviewable(manager, levels=(1, 2))
    browser.sign_in_as(manager)

    def statements(url: str) -> int:
        seen = []
        engine = db.session.get_bind().engine
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert browser.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    few_list, few_review = statements("/managers/"), statements(f"/managers/attempts/{attempt.id}")
    for _ in range(4):
        reviewable(manager)
    many = reviewable(manager, levels=(1, 2, 3, 0, 1, 2))
    assert statements("/managers/") == few_list
    assert statements(f"/managers/attempts/{many.id}") == few_review


# Confirming and adjusting ---------------------------------------------------------------------------------

def test_confirm_and_adjust_save_validated_levels_and_gaps(browser):
    manager = UserFactory()
    attempt = reviewable(manager, levels=(2, None), targets=(3, 2))
    first, second = sorted(attempt.results, key=lambda r: r.competency.position)
    url = f"/managers/attempts/{attempt.id}"
    browser.sign_in_as(manager)
    page = _text(browser.get(url))
    assert "Review the assessment of" in page and first.competency.name in page
    assert "2 Working, fairly sure — the answers fit level 2" in page
    assert "Not assessed: too few answers to place them at a level" in page
    assert re.search(r'<option value="" selected>\s*Not assessed', page)  # it may stay not assessed

    response = browser.post(url, {f"level_{first.competency_id}": "2", f"reason_{first.competency_id}": "",
                                  f"level_{second.competency_id}": "1",
                                  f"reason_{second.competency_id}": "Runs the open-data portal"},
                            follow_redirects=True)
    assert "Your review of" in _text(response) and "is saved" in _text(response)
    rows = db.session.execute(
        select(CompetencyResult.competency_id, CompetencyResult.source, CompetencyResult.manager_level,
               CompetencyResult.calibrated_level, CompetencyResult.estimated_level, CompetencyResult.gap,
               CompetencyResult.validated_by_id)
        .where(CompetencyResult.attempt_id == attempt.id)).all()
    assert {row[0]: tuple(row[1:]) for row in rows} == {
        first.competency_id: (ResultSource.VALIDATED, 2, 2, 2, 1, manager.id),
        second.competency_id: (ResultSource.VALIDATED, 1, 1, None, 1, manager.id)}
    listed = _text(browser.get("/managers/"))
    assert "No assessment is awaiting your review." in listed and "See the review" in listed
    assert "Runs the open-data portal" in _text(browser.get(url))


def test_adjusting_without_a_reason_shows_the_error_and_saves_nothing(browser):
    manager = UserFactory()
    attempt = reviewable(manager, levels=(2,), targets=(3,))
    result = attempt.results[0]
    browser.sign_in_as(manager)
    url = f"/managers/attempts/{attempt.id}"
    for reason, error in (("", "say why you give a level other than the estimate"),
                          ("x" * 501, "the reason must be 500 characters or fewer")):
        page = _text(browser.post(url, {f"level_{result.competency_id}": "4",
                                        f"reason_{result.competency_id}": reason}))
        assert "There is a problem" in page and f"{result.competency.name}: {error}" in page
        assert f'href="#reason_{result.competency_id}"' in page
    db.session.refresh(result)
    assert (result.source, result.calibrated_level, attempt.reviewed_at) == (ResultSource.ASSESSED, 2, None)


def test_after_the_campaign_closes_the_review_is_read_only(browser):
    manager = UserFactory()
    attempt = reviewable(manager, levels=(2,), targets=(3,))
    result = attempt.results[0]
    attempt.campaign.closed_early_at = utcnow() - timedelta(hours=1)
    db.session.flush()
    browser.sign_in_as(manager)
    url = f"/managers/attempts/{attempt.id}"
    page = _text(browser.get(url))
    assert "The campaign closed on" in page and "can no longer be confirmed or adjusted" in page
    assert "<select" not in page and "Save the review" not in page and "Not reviewed" in page
    browser.post(url, {f"level_{result.competency_id}": "4", f"reason_{result.competency_id}": "Late"},
                 token_from="/managers/")
    db.session.refresh(result)
    assert (result.source, result.calibrated_level) == (ResultSource.ASSESSED, 2)


# The e-mail to the manager -------------------------------------------------------------------------------

@pytest.fixture
def started(app):
    framework = make_framework(competencies=1)
    invitation = InvitationFactory(campaign=CampaignFactory(instrument=make_instrument(framework)))
    invitation.user.manager = UserFactory(email="boss@example.org", organisation=invitation.organisation)
    return taking.start(db.session, invitation.user, invitation.campaign_id, utcnow())


def test_submitting_e_mails_the_manager_after_commit_and_not_when_it_rolls_back(app, browser, started):
    review = f"/assess/attempts/{started.id}/review"
    browser.sign_in_as(started.user)
    with app.app_context(), mail.record_messages() as sent:
        # Questions unanswered and not confirmed: the submission rolls back, nobody is e-mailed.
        browser.post(f"/assess/attempts/{started.id}/submit", token_from=review)
        assert sent == [] and db.session.scalar(select(func.count()).select_from(Job)) == 0
        db.session.refresh(started)
        assert started.manager_id is None

        browser.post(f"/assess/attempts/{started.id}/submit", {"confirm": "yes"}, token_from=review)
    db.session.refresh(started)
    assert started.manager_id == started.user.manager_id and started.review_requested_at is not None
    assert [m.recipients for m in sent] == [["boss@example.org"]]
    assert f"http://localhost/managers/attempts/{started.id}" in sent[0].body
    assert db.session.scalar(select(Job.status).where(Job.kind == validation.REVIEW_JOB)) == "done"
