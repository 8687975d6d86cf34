"""Forms drawn from the item bank: balanced, stable on resume, parallel in a follow-up; the adaptive form."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AttemptItem, Item, ItemKind
from app.models.base import utcnow
from app.services.assessment import adaptive, answers, forms, taking
from tests.factories import CampaignFactory, InvitationFactory, UserFactory, make_framework, make_instrument


def _checks(attempt) -> list[Item]:
    return list(db.session.scalars(
        select(Item).join(AttemptItem, AttemptItem.item_id == Item.id)
        .where(AttemptItem.attempt_id == attempt.id, Item.kind == ItemKind.KNOWLEDGE)
        .order_by(Item.position)))


def _campaign(instrument, country, baseline=None, **kwargs):
    return CampaignFactory(instrument=instrument, country=country, baseline=baseline,
                           cycle_label="follow-up 1" if baseline else "baseline", **kwargs)


def test_a_form_draws_one_check_per_competency_and_level_and_is_stable_on_resume():
    instrument = make_instrument(make_framework(competencies=2), knowledge_levels=(1, 2, 3, 4), bank=3)
    invitation = InvitationFactory(campaign=_campaign(instrument, UserFactory().country))
    attempt = taking.start(db.session, invitation.user, invitation.campaign_id, utcnow())
    checks = _checks(attempt)
    assert sorted((c.competency_id, c.level) for c in checks) == sorted(
        (competency.id, level) for competency in instrument.framework.competencies for level in (1, 2, 3, 4))
    again = taking.start(db.session, invitation.user, invitation.campaign_id, utcnow())
    assert again.id == attempt.id and [c.id for c in _checks(again)] == [c.id for c in checks]


def test_a_follow_up_shows_no_check_seen_in_the_baseline():
    instrument = make_instrument(make_framework(competencies=2), knowledge_levels=(1, 2, 3, 4), bank=3)
    user = UserFactory()
    baseline = _campaign(instrument, user.country)
    follow_up = _campaign(instrument, user.country, baseline=baseline)
    second_follow_up = _campaign(instrument, user.country, baseline=baseline)
    seen: set[str] = set()
    for campaign in (baseline, follow_up, second_follow_up):
        InvitationFactory(campaign=campaign, user=user, organisation=user.organisation)
        attempt = taking.start(db.session, user, campaign.id, utcnow())
        codes = {check.code for check in _checks(attempt)}
        assert len(codes) == 8 and not codes & seen  # a parallel form each time, while the bank lasts
        seen |= codes


def test_the_draw_is_deterministic_for_a_seed_and_prefers_unseen_checks():
    cell = [forms.Candidate(i, f"C-k1{letter}", "knowledge", 1, 1, i) for i, letter in enumerate("abc")]
    assert forms.draw(cell, 1, set(), 42) == forms.draw(cell, 1, set(), 42)
    assert forms.draw(cell, 1, {"C-k1a", "C-k1b"}, 7) == [2]
    assert len(forms.draw(cell, 1, {"C-k1a", "C-k1b", "C-k1c"}, 7)) == 1  # all seen: one is reused


def test_an_adaptive_campaign_draws_the_next_check_from_the_answers_and_stops():
    framework = make_framework(competencies=1)
    instrument = make_instrument(framework, knowledge_levels=(1, 2, 3, 4), bank=3)
    user = UserFactory()
    campaign = _campaign(instrument, user.country, adaptive=True)
    InvitationFactory(campaign=campaign, user=user, organisation=user.organisation)
    attempt = taking.start(db.session, user, campaign.id, utcnow())
    assert _checks(attempt) == []  # nothing drawn before the self-rating
    [competency] = framework.competencies
    rating = db.session.scalar(select(Item).where(Item.instrument_id == instrument.id,
                                                  Item.code == f"{competency.code}-self"))
    answers.save_answers(db.session, attempt.id, user.id, {rating.id: 2}, now=utcnow(), section=1,
                         advance=True)
    assert len(_checks(attempt)) == 1 and attempt.last_section == 1  # stays on the section for it
    for _ in range(adaptive.MAX_CHECKS + 2):
        pending = [c for c in _checks(attempt) if c.id not in answered(attempt)]
        if not pending:
            break
        check = pending[0]
        answers.save_answers(db.session, attempt.id, user.id, {check.id: "a" if check.level <= 2 else "b"},
                             now=utcnow(), section=1, advance=True)
    drawn = _checks(attempt)
    assert 2 <= len(drawn) <= adaptive.MAX_CHECKS
    assert attempt.last_section == 2  # done: on to the review


def answered(attempt) -> set[int]:
    from app.models import Answer
    return set(db.session.scalars(select(Answer.item_id).where(Answer.attempt_id == attempt.id)))
