"""The languages an official ticks keep the order they ticked them in: first ticked, first preference.

Checkboxes post in the page's order, and autosave.js sends every ticked box of a question in the page's
order too. So the order comes from the answers as they are saved: a value ticked before stays before one
ticked after, and a later save of the same boxes (the section's "Save and continue") changes nothing.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Answer, AttemptStatus, Item
from app.models.base import utcnow
from app.services.assessment import answers, taking
from app.services.learning import plans
from tests.factories import InvitationFactory


@pytest.fixture
def attempt():
    invitation = InvitationFactory()
    return taking.start(db.session, invitation.user, invitation.campaign_id, utcnow())


def languages_item(attempt) -> Item:
    return db.session.scalar(select(Item).where(Item.instrument_id == attempt.instrument_id,
                                                Item.code == plans.LANGUAGES_ITEM))


def stored(attempt, item):
    return db.session.scalar(select(Answer.value).where(Answer.attempt_id == attempt.id,
                                                       Answer.item_id == item.id))


def save(attempt, item, value):
    assert answers.save_answers(db.session, attempt.id, attempt.user_id, {item.id: value}, now=utcnow()) == {}


def test_the_order_given_is_stored_without_repeats(attempt):
    item = languages_item(attempt)
    save(attempt, item, ["fr", "en", "fr"])
    assert stored(attempt, item) == ["fr", "en"]


def test_ticks_saved_one_by_one_keep_the_order_they_were_ticked_in(attempt):
    """autosave.js sends every ticked box in the page's order (English is above French)."""
    item = languages_item(attempt)
    save(attempt, item, ["fr"])
    save(attempt, item, ["en", "fr"])  # English ticked second
    assert stored(attempt, item) == ["fr", "en"]
    save(attempt, item, ["en", "fr"])  # "Save and continue" posts the same boxes in the page's order
    assert stored(attempt, item) == ["fr", "en"]
    save(attempt, item, ["en"])  # French unticked ...
    save(attempt, item, ["en", "fr"])  # ... and ticked again: now it comes second
    assert stored(attempt, item) == ["en", "fr"]


def test_one_autosaved_answer_keeps_the_order_too(attempt):
    item = languages_item(attempt)
    answers.save_answer(db.session, attempt.id, attempt.user_id, item.id, ["fr"], now=utcnow())
    answers.save_answer(db.session, attempt.id, attempt.user_id, item.id, ["en", "fr"], now=utcnow())
    assert stored(attempt, item) == ["fr", "en"]


def test_the_first_ticked_language_is_the_first_preference_of_the_plan(attempt):
    item = languages_item(attempt)
    save(attempt, item, ["fr"])
    save(attempt, item, ["en", "fr"])
    attempt.status, attempt.submitted_at = AttemptStatus.SUBMITTED, utcnow()
    db.session.flush()
    assert plans.official_profile(db.session, attempt.user).official.languages == ("fr", "en")
