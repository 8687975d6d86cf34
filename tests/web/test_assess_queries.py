"""The assessment pages run the same number of SQL statements whatever the size of the instrument and
its bank: a form of 2 competencies and one of 8, each with 3 checks per level."""

from __future__ import annotations

from app.extensions import db
from app.models.base import utcnow
from app.services.assessment import answers, questions, submission, taking
from tests.factories import CampaignFactory, InvitationFactory, make_framework, make_instrument
from tests.web.test_dashboard_queries import statements_per_url


def _attempt(competencies: int):
    instrument = make_instrument(make_framework(competencies=competencies), knowledge_levels=(1, 2, 3, 4),
                                 bank=3)
    invitation = InvitationFactory(campaign=CampaignFactory(instrument=instrument))
    attempt = taking.start(db.session, invitation.user, invitation.campaign_id, utcnow())
    given = {q.item.id: (q.choices[0].value if q.choices else None)
             for page in questions.review(db.session, attempt) for q in page.questions}
    answers.save_answers(db.session, attempt.id, attempt.user_id,
                         {item_id: value for item_id, value in given.items() if value}, now=utcnow())
    return attempt


def _urls(attempt, submitted: bool) -> list[str]:
    if submitted:
        return [f"/assess/attempts/{attempt.id}/results", "/assess/"]
    return [f"/assess/attempts/{attempt.id}/sections/2", f"/assess/attempts/{attempt.id}/review"]


def test_section_review_and_results_pages_do_not_grow_with_the_instrument(browser):
    counts = []
    for size in (2, 8):
        attempt = _attempt(size)
        browser.sign_in_as(attempt.user)
        before = statements_per_url(browser, _urls(attempt, False))
        submission.submit(db.session, attempt.id, attempt.user_id, utcnow())
        after = statements_per_url(browser, _urls(attempt, True))
        counts.append(list(before.values()) + list(after.values()))
    assert counts[0] == counts[1], counts
    print("statements (section, review, results, list):", counts[0])
