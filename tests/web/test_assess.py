"""Taking an assessment through the pages: the list, a section, autosave, review, submission, results."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Answer, Attempt, AttemptStatus, CompetencyResult, Item
from app.models.base import utcnow
from app.services.assessment import answers, submission, taking
from tests.conftest import csrf_from
from tests.factories import (
    CampaignFactory,
    FocalPointFactory,
    InvitationFactory,
    RoleProfileFactory,
    UserFactory,
    make_framework,
    make_instrument,
)


@pytest.fixture
def invitation():
    framework = make_framework(competencies=2)
    first, second = framework.competencies
    role = RoleProfileFactory(framework=framework, targets={first: 3, second: 1})
    campaign = CampaignFactory(instrument=make_instrument(framework), name="Baseline 2027")
    return InvitationFactory(campaign=campaign, role_profile=role)


@pytest.fixture
def attempt(invitation):
    return taking.start(db.session, invitation.user, invitation.campaign_id, utcnow())


def _items(attempt) -> dict[str, Item]:
    return {item.code: item for item in db.session.scalars(
        select(Item).where(Item.instrument_id == attempt.instrument_id))}


def _answers(attempt) -> dict[int, object]:
    return dict(db.session.execute(
        select(Answer.item_id, Answer.value).where(Answer.attempt_id == attempt.id)).all())


def _post_json(browser, attempt, item_id, value, *, token_from="/assess/"):  # noqa: S107 - a page, not a secret
    """POST to the autosave endpoint as autosave.js does, the CSRF token (if any) from ``token_from``."""
    headers = {"X-CSRFToken": csrf_from(browser.get(token_from).get_data(as_text=True))} if token_from else {}
    return browser.client.post(f"/assess/attempts/{attempt.id}/answers",
                               json={"item": item_id, "value": value}, headers=headers)


def _autosave(browser, attempt, item_id, value, *, token=True):
    page = f"/assess/attempts/{attempt.id}/sections/2"
    return _post_json(browser, attempt, item_id, value, token_from=page if token else None)


# Your assessments ------------------------------------------------------------------------------------

def test_an_official_without_invitations_sees_an_empty_state(browser):
    browser.sign_in_as(UserFactory())
    page = browser.get("/assess/").get_data(as_text=True)
    assert "You have not been invited to an assessment yet." in page


def test_the_list_shows_each_campaign_with_its_window_in_the_countrys_time_and_status(browser, invitation):
    invitation.campaign.opens_at = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    invitation.campaign.closes_at = utcnow() + timedelta(days=3)
    InvitationFactory(campaign=CampaignFactory(name="Not mine"))
    browser.sign_in_as(invitation.user)
    page = browser.get("/assess/").get_data(as_text=True)
    assert "Baseline 2027" in page and "Not mine" not in page
    assert "5 January 2026 at 09:00" in page and "(Africa/Nairobi)" in page
    assert "Not started" in page and "Start" in page

    response = browser.post(f"/assess/campaigns/{invitation.campaign_id}/start", token_from="/assess/")
    attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == invitation.user_id))
    assert response.headers["Location"] == f"/assess/attempts/{attempt.id}"
    assert browser.get(response.headers["Location"]).headers["Location"] == (
        f"/assess/attempts/{attempt.id}/sections/1")
    assert "In progress: 0% answered" in browser.get("/assess/").get_data(as_text=True)


def test_the_home_page_links_an_official_to_their_assessments(browser):
    browser.sign_in_as(UserFactory())
    assert 'href="/assess/"' in browser.get("/").get_data(as_text=True)


def test_outside_the_window_the_pages_say_when_it_opens_and_nothing_starts(browser):
    campaign = CampaignFactory(opens_at=datetime(2099, 3, 3, 6, 0, tzinfo=UTC),
                               closes_at=datetime(2099, 3, 31, 14, 0, tzinfo=UTC))
    invitation = InvitationFactory(campaign=campaign)
    browser.sign_in_as(invitation.user)
    message = "This assessment opens on 3 March 2099 at 09:00 (Africa/Nairobi)"
    assert message in browser.get("/assess/").get_data(as_text=True)
    assert message in browser.get(f"/assess/campaigns/{campaign.id}").get_data(as_text=True)

    response = browser.post(f"/assess/campaigns/{campaign.id}/start", token_from="/assess/",
                            follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Attempt)
                             .where(Attempt.campaign_id == campaign.id)) == 0


def test_after_the_window_an_attempt_in_progress_cannot_be_answered(browser, attempt):
    attempt.campaign.closed_early_at = utcnow() - timedelta(hours=1)
    db.session.flush()
    browser.sign_in_as(attempt.user)
    response = browser.get(f"/assess/attempts/{attempt.id}/sections/1", follow_redirects=True)
    assert "This assessment closed on" in response.get_data(as_text=True)
    item = _items(attempt)["ctx-languages"]
    saved = _post_json(browser, attempt, item.id, ["en"])
    assert saved.status_code == 409 and "closed on" in saved.get_json()["error"]
    assert _answers(attempt) == {}


# A section ------------------------------------------------------------------------------------------------

def test_a_section_page_shows_progress_level_descriptors_and_options_but_no_key(browser, attempt):
    browser.sign_in_as(attempt.user)
    page = browser.get(f"/assess/attempts/{attempt.id}/sections/2").get_data(as_text=True)
    assert "Section 2 of 2" in page
    assert re.search(r"You have answered\s*<span data-answered-count>0</span>\s*of 7 questions", page)
    competency = attempt.instrument.framework.competencies[0]
    assert f"{competency.name} at Practitioner" in page  # the descriptor, as the radio's hint
    assert "3 Practitioner" in page  # labelled with the scale's level name
    assert "Option c" in page
    assert "Because a is right." not in page  # explanations only after submission
    assert re.search(r'type="module" src="/static/build/autosave\.[0-9a-f]{12}\.js"', page)
    assert "style=" not in page and "<script>" not in page


def test_save_and_continue_saves_a_partial_page_and_moves_on(browser, attempt):
    items = _items(attempt)
    competency = attempt.instrument.framework.competencies[0]
    browser.sign_in_as(attempt.user)
    url = f"/assess/attempts/{attempt.id}/sections/2"
    response = browser.post(url, {f"item-{items[f'{competency.code}-self'].id}": "2",
                                  f"item-{items[f'{competency.code}-k1'].id}": "b", "action": "continue"})
    assert response.headers["Location"] == f"/assess/attempts/{attempt.id}/review"
    assert _answers(attempt) == {items[f"{competency.code}-self"].id: 2,
                                 items[f"{competency.code}-k1"].id: "b"}
    db.session.refresh(attempt)
    assert attempt.last_section == 2  # the review page
    assert browser.get(f"/assess/attempts/{attempt.id}").headers["Location"].endswith("/review")


def test_save_and_come_back_later_keeps_the_place(browser, attempt):
    items = _items(attempt)
    browser.sign_in_as(attempt.user)
    response = browser.post(f"/assess/attempts/{attempt.id}/sections/1",
                            {f"item-{items['ctx-languages'].id}": "fr", "action": "later"},
                            follow_redirects=True)
    assert "Your answers are saved" in response.get_data(as_text=True)
    db.session.refresh(attempt)
    assert attempt.last_section == 0
    assert browser.get(f"/assess/attempts/{attempt.id}").headers["Location"].endswith("/sections/1")
    page = browser.get(f"/assess/attempts/{attempt.id}/sections/1").get_data(as_text=True)
    assert re.search(r'value="fr"\s+checked', page)


def test_unchecking_every_box_clears_the_answer(browser, attempt):
    item = _items(attempt)["ctx-languages"]
    browser.sign_in_as(attempt.user)
    url = f"/assess/attempts/{attempt.id}/sections/1"
    browser.post(url, {f"item-{item.id}": ["en", "fr"], "action": "continue"})
    assert _answers(attempt) == {item.id: ["en", "fr"]}
    browser.post(url, {"action": "continue"})
    assert _answers(attempt) == {}


def test_a_bad_value_is_refused_with_a_clear_error_and_the_good_ones_are_saved(browser, attempt):
    items = _items(attempt)
    competency = attempt.instrument.framework.competencies[0]
    self_item, check = items[f"{competency.code}-self"], items[f"{competency.code}-k1"]
    browser.sign_in_as(attempt.user)
    response = browser.post(f"/assess/attempts/{attempt.id}/sections/2",
                            {f"item-{self_item.id}": "9", f"item-{check.id}": "c", "action": "continue"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Some answers were not saved" in page
    assert "Choose one of the levels offered (0, 1, 2, 3, 4), not &#39;9&#39;" in page
    assert f'href="#item-{self_item.id}"' in page
    assert _answers(attempt) == {check.id: "c"}


def test_a_section_that_does_not_exist_is_a_404(browser, attempt):
    browser.sign_in_as(attempt.user)
    assert browser.get(f"/assess/attempts/{attempt.id}/sections/3").status_code == 404
    assert browser.get(f"/assess/attempts/{attempt.id}/sections/0").status_code == 404


# Autosave -------------------------------------------------------------------------------------------------

def test_autosave_saves_one_answer_and_reports_progress(browser, attempt):
    item = _items(attempt)[f"{attempt.instrument.framework.competencies[1].code}-k3"]
    browser.sign_in_as(attempt.user)
    response = _autosave(browser, attempt, item.id, "d")
    assert response.status_code == 200
    assert response.get_json() == {"saved": True, "item": item.id, "answered": 1, "total": 7}
    assert _answers(attempt) == {item.id: "d"}
    assert _autosave(browser, attempt, item.id, "a").status_code == 200
    assert _answers(attempt) == {item.id: "a"}
    db.session.refresh(attempt)
    assert attempt.last_section == 1


def test_autosave_refuses_a_bad_value_and_stores_nothing(browser, attempt):
    item = _items(attempt)["ctx-languages"]
    browser.sign_in_as(attempt.user)
    response = _autosave(browser, attempt, item.id, ["en", "klingon"])
    assert response.status_code == 400
    assert response.get_json()["error"] == "'klingon' is not one of the options of this question"
    token = csrf_from(browser.get("/assess/").get_data(as_text=True))
    bad_request = browser.client.post(f"/assess/attempts/{attempt.id}/answers", data="nonsense",
                                      headers={"X-CSRFToken": token})
    assert bad_request.status_code == 400
    assert _answers(attempt) == {}


def test_autosave_requires_the_csrf_token(browser, attempt):
    item = _items(attempt)["ctx-languages"]
    browser.sign_in_as(attempt.user)
    response = _autosave(browser, attempt, item.id, ["en"], token=False)
    assert response.status_code == 400
    assert _answers(attempt) == {}


# Review, submission, results ------------------------------------------------------------------------------

def test_the_review_page_lists_unanswered_items_with_change_links(browser, attempt):
    items = _items(attempt)
    browser.sign_in_as(attempt.user)
    _autosave(browser, attempt, items["ctx-languages"].id, ["fr"])
    page = browser.get(f"/assess/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "6 questions are not answered" in page
    assert page.count("Not answered") == 6
    assert "French" in page
    check = items[f"{attempt.instrument.framework.competencies[0].code}-k3"]
    assert f'href="/assess/attempts/{attempt.id}/sections/2?from=review#item-{check.id}"' in page
    assert "Submit my answers" in page


def test_change_from_the_review_saves_and_goes_back_to_the_review(browser, attempt):
    items = _items(attempt)
    check = items[f"{attempt.instrument.framework.competencies[0].code}-k3"]
    browser.sign_in_as(attempt.user)
    answers.save_answers(db.session, attempt.id, attempt.user_id, {check.id: "a"}, now=utcnow())
    attempt.last_section = 3  # they had reached the review
    db.session.flush()
    change = f"/assess/attempts/{attempt.id}/sections/2?from=review"
    page = browser.get(change).get_data(as_text=True)
    assert "Save and return to your answers" in page and "Save and continue" not in page
    assert f'href="/assess/attempts/{attempt.id}/review"' in page  # the back link, too
    response = browser.post(change, {f"item-{check.id}": "b", "action": "review"}, token_from=change)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assess/attempts/{attempt.id}/review")
    assert _answers(attempt)[check.id] == "b"
    db.session.refresh(attempt)
    assert attempt.last_section == 3  # resuming still brings them to the review


def test_a_bad_answer_changed_from_the_review_stays_on_the_section_with_the_way_back(browser, attempt):
    languages = _items(attempt)["ctx-languages"]
    browser.sign_in_as(attempt.user)
    change = f"/assess/attempts/{attempt.id}/sections/1?from=review"
    response = browser.post(change, {f"item-{languages.id}": "klingon", "action": "review"},
                            token_from=change)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Some answers were not saved" in page
    assert "Save and return to your answers" in page


def _answer_everything(attempt):
    first, second = attempt.instrument.framework.competencies
    items = _items(attempt)
    given = {"ctx-languages": ["en"], f"{first.code}-self": 4, f"{first.code}-k1": "a",
             f"{first.code}-k3": "b", f"{second.code}-self": 1, f"{second.code}-k1": "a",
             f"{second.code}-k3": "a"}
    answers.save_answers(db.session, attempt.id, attempt.user_id,
                          {items[code].id: value for code, value in given.items()}, now=utcnow())
    return first, second


def test_submit_shows_the_results_and_a_second_submit_changes_nothing(browser, attempt):
    first, second = _answer_everything(attempt)
    browser.sign_in_as(attempt.user)
    review = f"/assess/attempts/{attempt.id}/review"
    response = browser.post(f"/assess/attempts/{attempt.id}/submit", token_from=review, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Your assessment is submitted" in page
    db.session.refresh(attempt)
    submitted_at = attempt.submitted_at
    assert attempt.status == AttemptStatus.SUBMITTED

    # The chart and the table: first is self 4, evidence 1, level 1 (rule 2), target 3, gap 2, over-confident.
    assert '<svg viewBox="0 0 720' in page and 'class="app-chart__bar app-chart__series--1"' in page
    row = re.search(rf'<th scope="row" class="govuk-table__header">{first.name}</th>(.*?)</tr>', page, re.S)
    cells = [re.sub(r"<[^>]+>|\s+", " ", cell).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
    assert cells == ["3 Practitioner", "4 Expert",
                     "1 of 2 answered right; on their own they point to level 1",
                     "1 Awareness , not sure — your answers fit level 1 or 2  Assessed", "not reviewed", "2",
                     "Your self-rating is two or more levels above what the knowledge checks showed."]
    assert "2 levels below the target" in page  # largest gaps
    strengths = page.split("Strengths")[1].split("Your skills profile")[0]
    assert second.name in strengths and first.name not in strengths
    # keys and explanations wait until the campaign closes
    assert "Because a is right." not in page and "Right answer" not in page
    assert "The right answers and their explanations are shown once the assessment closes" in page
    assert "See your learning plan" in page and "/learn/" in page
    assert "style=" not in page

    again = browser.post(f"/assess/attempts/{attempt.id}/submit",
                         token_from=f"/assess/attempts/{attempt.id}/results", follow_redirects=True)
    assert "You had already submitted this assessment; nothing has changed." in again.get_data(as_text=True)
    db.session.refresh(attempt)
    assert attempt.submitted_at == submitted_at
    assert db.session.scalar(select(func.count()).select_from(CompetencyResult)
                             .where(CompetencyResult.attempt_id == attempt.id)) == 2


def test_answers_after_submission_are_refused(browser, attempt):
    _answer_everything(attempt)
    submission.submit(db.session, attempt.id, attempt.user_id, utcnow())
    item = _items(attempt)["ctx-languages"]
    browser.sign_in_as(attempt.user)
    response = browser.post(f"/assess/attempts/{attempt.id}/sections/1",
                            {f"item-{item.id}": "fr", "action": "continue"},
                            token_from=f"/assess/attempts/{attempt.id}/results", follow_redirects=True)
    assert "its answers can no longer change" in response.get_data(as_text=True)
    saved = _post_json(browser, attempt, item.id, ["fr"])
    assert saved.status_code == 409
    assert _answers(attempt)[item.id] == ["en"]


def test_results_before_submission_send_the_official_back_to_their_answers(browser, attempt):
    browser.sign_in_as(attempt.user)
    response = browser.get(f"/assess/attempts/{attempt.id}/results")
    assert response.headers["Location"] == f"/assess/attempts/{attempt.id}"


def test_nobody_else_can_open_or_change_an_attempt(browser, attempt):
    item = _items(attempt)["ctx-languages"]
    others = (UserFactory(organisation=attempt.organisation),
              FocalPointFactory(country=attempt.campaign.country))
    for other in others:
        browser.sign_in_as(other)
        for url in ["", "/sections/1", "/review", "/results"]:
            assert browser.get(f"/assess/attempts/{attempt.id}{url}").status_code == 404, url
        assert browser.get(f"/assess/campaigns/{attempt.campaign_id}").status_code == 404
        assert _post_json(browser, attempt, item.id, ["en"]).status_code == 404
        assert browser.post(f"/assess/attempts/{attempt.id}/submit", token_from="/assess/").status_code == 404
        assert browser.post(f"/assess/attempts/{attempt.id}/sections/1", {f"item-{item.id}": "en"},
                            token_from="/assess/").status_code == 404
    db.session.refresh(attempt)
    assert attempt.status == AttemptStatus.IN_PROGRESS and _answers(attempt) == {}


def test_assessment_pages_need_a_signed_in_user(client, attempt):
    response = client.get(f"/assess/attempts/{attempt.id}/sections/1")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_submitting_builds_the_learning_plan_and_the_results_page_links_to_it(browser):
    """New results make a new plan straight away (issue 4: the plan refreshes on new results)."""
    from app.models import LearningPlan
    from tests.factories import ResourceFactory

    invitation = InvitationFactory()
    competency = invitation.campaign.instrument.framework.competencies[0]
    role = RoleProfileFactory(framework=invitation.campaign.instrument.framework, targets={competency: 3})
    invitation.role_profile = role
    ResourceFactory(code="intro-course", teaches={competency: (0, 3)})
    db.session.flush()
    browser.sign_in_as(invitation.user)
    browser.post(f"/assess/campaigns/{invitation.campaign_id}/start", token_from="/assess/")
    attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == invitation.user_id))
    items = _items(attempt)
    answers.save_answers(db.session, attempt.id, attempt.user_id, {
        items[f"{competency.code}-self"].id: 1, items[f"{competency.code}-k1"].id: "a",
        items[f"{competency.code}-k3"].id: "b"}, now=utcnow())
    response = browser.post(f"/assess/attempts/{attempt.id}/submit", {"confirm": "yes"},
                            token_from=f"/assess/attempts/{attempt.id}/review", follow_redirects=True)
    assert "See your learning plan" in response.get_data(as_text=True)
    plan = db.session.scalar(select(LearningPlan).where(LearningPlan.user_id == invitation.user_id))
    assert [item.resource.code for item in plan.items] == ["intro-course"]


# Not assessed, confirmation, keys held back ---------------------------------------------------------------

def test_submitting_with_unanswered_questions_asks_to_confirm_and_names_what_will_be_not_assessed(
        browser, attempt):
    first, second = attempt.instrument.framework.competencies
    items = _items(attempt)
    answers.save_answers(db.session, attempt.id, attempt.user_id, {
        items[f"{first.code}-self"].id: 2, items[f"{first.code}-k1"].id: "a",
        items[f"{first.code}-k3"].id: "b", items[f"{second.code}-self"].id: 3}, now=utcnow())
    browser.sign_in_as(attempt.user)
    review = browser.get(f"/assess/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "Still unanswered, by competency" in review
    assert f"These competencies will be not assessed: {second.name}." in review
    refused = browser.post(f"/assess/attempts/{attempt.id}/submit",
                           token_from=f"/assess/attempts/{attempt.id}/review", follow_redirects=True)
    page = refused.get_data(as_text=True)
    assert "tick the box to confirm you want to submit anyway" in page
    db.session.refresh(attempt)
    assert attempt.status == AttemptStatus.IN_PROGRESS

    done = browser.post(f"/assess/attempts/{attempt.id}/submit", {"confirm": "yes"},
                        token_from=f"/assess/attempts/{attempt.id}/review", follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "1 competency is not assessed" in page
    row = re.search(rf'<th scope="row" class="govuk-table__header">{second.name}</th>(.*?)</tr>', page, re.S)
    assert "Not assessed" in row.group(1) and ">0<" not in row.group(1)
    result = db.session.scalar(select(CompetencyResult).where(CompetencyResult.attempt_id == attempt.id,
                                                              CompetencyResult.competency_id == second.id))
    assert (result.calibrated_level, result.gap, result.source) == (None, None, "not_assessed")


def test_keys_are_shown_after_the_campaign_closes(browser, attempt):
    _answer_everything(attempt)
    submission.submit(db.session, attempt.id, attempt.user_id, utcnow())
    browser.sign_in_as(attempt.user)
    assert "Because a is right." not in browser.get(f"/assess/attempts/{attempt.id}/results").get_data(
        as_text=True)
    attempt.campaign.closed_early_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    page = browser.get(f"/assess/attempts/{attempt.id}/results").get_data(as_text=True)
    assert "Because a is right." in page and "Right answer" in page


def test_a_practice_instrument_shows_keys_at_once(browser, attempt):
    attempt.instrument.practice = True
    _answer_everything(attempt)
    submission.submit(db.session, attempt.id, attempt.user_id, utcnow())
    browser.sign_in_as(attempt.user)
    page = browser.get(f"/assess/attempts/{attempt.id}/results").get_data(as_text=True)
    assert "Because a is right." in page


def test_the_results_page_shows_the_managers_view_beside_the_estimate(browser, attempt):
    first, _ = _answer_everything(attempt)
    manager = UserFactory(organisation=attempt.user.organisation, name="Amina Manager")
    attempt.user.manager_id = manager.id
    submission.submit(db.session, attempt.id, attempt.user_id, utcnow())
    browser.sign_in_as(attempt.user)
    page = browser.get(f"/assess/attempts/{attempt.id}/results").get_data(as_text=True)
    assert "Your line manager has been asked to confirm or adjust each level" in page
    assert "Awaiting your manager" in page
    result = db.session.scalar(select(CompetencyResult).where(CompetencyResult.attempt_id == attempt.id,
                                                              CompetencyResult.competency_id == first.id))
    result.manager_level, result.manager_reason, result.calibrated_level = 3, "Leads our data work", 3
    result.source, result.validated_by_id, result.validated_at = "validated", manager.id, utcnow()
    attempt.reviewed_at = utcnow()
    db.session.flush()
    page = browser.get(f"/assess/attempts/{attempt.id}/results").get_data(as_text=True)
    assert "Level 3, by Amina Manager: Leads our data work" in page and "Validated by your manager" in page


def test_the_help_page_states_the_scoring_rule(client):
    page = client.get("/help").get_data(as_text=True)
    assert "A question you leave unanswered is no evidence either way: it is not counted as wrong." in page
    assert "probability of 80% or more" in page and "it is never counted as level 0" in page
