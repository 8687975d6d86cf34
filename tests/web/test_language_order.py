"""Through the pages: the languages an official ticks keep the order they ticked them in, whether each
tick is autosaved (autosave.js sends the ticked boxes in the page's order) or the section is posted."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Answer, Item
from app.models.base import utcnow
from app.services.assessment import taking
from tests.conftest import csrf_from
from tests.factories import InvitationFactory


def test_the_first_language_ticked_stays_first_through_autosave_and_the_section_form(browser):
    invitation = InvitationFactory()
    attempt = taking.start(db.session, invitation.user, invitation.campaign_id, utcnow())
    item = db.session.scalar(select(Item).where(Item.instrument_id == attempt.instrument_id,
                                                Item.code == "ctx-languages"))
    browser.sign_in_as(invitation.user)
    section = f"/assess/attempts/{attempt.id}/sections/1"
    token = csrf_from(browser.get(section).get_data(as_text=True))

    def autosave(value):
        response = browser.client.post(f"/assess/attempts/{attempt.id}/answers",
                                       json={"item": item.id, "value": value}, headers={"X-CSRFToken": token})
        assert response.status_code == 200, response.get_json()

    def stored():
        db.session.expire_all()
        return db.session.scalar(select(Answer.value).where(Answer.attempt_id == attempt.id,
                                                           Answer.item_id == item.id))

    autosave(["fr"])  # French ticked first
    autosave(["en", "fr"])  # then English, above it on the page
    assert stored() == ["fr", "en"]
    response = browser.post(section, {f"item-{item.id}": ["en", "fr"], "action": "continue"})
    assert response.status_code == 302
    assert stored() == ["fr", "en"]
