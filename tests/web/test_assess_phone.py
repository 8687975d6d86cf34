"""The assessment pages on a phone: no wide tables where a list of cards does, long pages with their
summary first and the detail behind disclosure (<details>, no JavaScript)."""

from __future__ import annotations

from app.extensions import db
from app.models.base import utcnow
from app.services.assessment import submission
from tests.web.test_assess import _answer_everything, attempt, invitation  # noqa: F401 - fixtures


def test_the_assessments_list_is_cards_with_the_action_inside_each(browser, invitation):  # noqa: F811
    html = browser.sign_in_as(invitation.user).get("/assess/").get_data(as_text=True)
    assert "<table" not in html
    card = html.split('class="govuk-summary-card"')[1]
    assert "Baseline 2027" in card and ">Start<" in card


def test_the_review_shows_a_summary_and_each_section_behind_disclosure(browser, attempt):  # noqa: F811
    _answer_everything(attempt)
    browser.sign_in_as(attempt.user)
    html = browser.get(f"/assess/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "You have answered every question." in html
    assert html.count('<details class="govuk-details app-review-section">') == 2  # closed: all answered
    assert html.index("You have answered every question.") < html.index("<details")


def test_the_results_put_the_summary_first_and_the_detail_behind_disclosure(browser, attempt):  # noqa: F811
    _answer_everything(attempt)
    submission.submit(db.session, attempt.id, attempt.user_id, utcnow())
    db.session.commit()
    browser.sign_in_as(attempt.user)
    html = browser.get(f"/assess/attempts/{attempt.id}/results").get_data(as_text=True)
    first_detail = html.index("<details")
    assert html.index("Largest gaps") < html.index("See your learning plan") < first_detail
    assert 'class="govuk-table app-stack-table"' in html  # each row a block on a phone
    assert 'data-label="Knowledge checks"' in html
