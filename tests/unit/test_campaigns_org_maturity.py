"""Organisation maturity: scoring at the rounding boundaries, drafts, submission, kept apart."""

from fractions import Fraction

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    AttemptStatus,
    AuditEvent,
    CompetencyResult,
    Instrument,
    InstrumentKind,
    InstrumentSection,
    Item,
    ItemKind,
    OrganisationAssessment,
)
from app.models.base import utcnow
from app.services.assessment import org_maturity
from app.services.audit import Actor
from app.services.errors import NotFound, ValidationFailed
from tests.factories import FocalPointFactory, OrganisationFactory
from tests.unit.test_campaigns_service import make_campaign

OPTIONS = [{"value": f"s{score}", "label": f"Score {score}", "score": score} for score in range(5)]


def make_org_instrument(framework, dimensions=(("strategy", 2), ("budget", 3)), code="org") -> Instrument:
    instrument = Instrument(code=code, version=1, name="Organisation capacity", framework=framework,
                            kind=InstrumentKind.ORGANISATION, content_hash="y" * 64)
    db.session.add(instrument)
    position = 0
    for s, (dimension, count) in enumerate(dimensions):
        section = InstrumentSection(code=dimension, title=dimension.title(), position=s)
        instrument.sections.append(section)
        for n in range(1, count + 1):
            position += 1
            instrument.items.append(Item(section=section, code=f"{dimension}-{n}", kind=ItemKind.MATURITY,
                                         dimension=dimension, prompt=f"{dimension} question {n}",
                                         options=OPTIONS, position=position))
    db.session.flush()
    return instrument


@pytest.mark.parametrize(("score", "level"), [
    (Fraction(0), 0), (Fraction(1, 2), 0), (Fraction(2, 3), 1), (Fraction(3, 2), 1),
    (Fraction(5, 3), 2), (Fraction(5, 2), 2), (Fraction(8, 3), 3), (Fraction(7, 2), 3), (Fraction(4), 4),
    (2.5, 2), (2.51, 3), (2.4999, 2),
])
def test_levels_round_to_the_nearest_with_halves_down(score, level):
    assert org_maturity.level_for(score) == level


def test_dimension_and_overall_scores():
    campaign = make_campaign()
    instrument = make_org_instrument(campaign.instrument.framework)
    items = org_maturity.maturity_items(instrument)
    # strategy 2 + 3 -> 2.5 (level 2, the half rounds down); budget 4 + 4 + 3 -> 11/3 (level 4)
    result = org_maturity.score(items, {"strategy-1": "s2", "strategy-2": "s3",
                                        "budget-1": "s4", "budget-2": "s4", "budget-3": "s3"})
    assert [(d.dimension, d.score, d.level, d.items) for d in result.dimensions] == [
        ("strategy", Fraction(5, 2), 2, 2), ("budget", Fraction(11, 3), 4, 3)]
    # each dimension weighs the same: (5/2 + 11/3) / 2 = 37/12 = 3.083 -> level 3
    assert result.overall == Fraction(37, 12) and result.overall_level == 3


def test_overall_exactly_half_way_rounds_down():
    campaign = make_campaign()
    items = org_maturity.maturity_items(make_org_instrument(campaign.instrument.framework))
    result = org_maturity.score(items, {"strategy-1": "s1", "strategy-2": "s2",   # 1.5
                                        "budget-1": "s1", "budget-2": "s1", "budget-3": "s1"})  # 1
    assert result.overall == Fraction(5, 4) and result.overall_level == 1
    result = org_maturity.score(items, {"strategy-1": "s2", "strategy-2": "s2",
                                        "budget-1": "s1", "budget-2": "s1", "budget-3": "s1"})
    assert result.overall == Fraction(3, 2) and result.overall_level == 1


def test_an_answer_that_is_not_an_option_is_refused():
    campaign = make_campaign()
    items = org_maturity.maturity_items(make_org_instrument(campaign.instrument.framework))
    with pytest.raises(ValidationFailed, match="is not an answer") as exc:
        org_maturity.score(items, {"strategy-1": "s9"})
    assert exc.value.field == "strategy-1"


def test_draft_then_resume_then_submit():
    campaign = make_campaign()
    make_org_instrument(campaign.instrument.framework)
    organisation = campaign.organisations[0].organisation
    focal = FocalPointFactory(country=campaign.country)

    draft = org_maturity.save(db.session, Actor(focal), campaign, organisation,
                              {"strategy-1": "s3", "unknown": "x"}, submit=False)
    assert draft.status == AttemptStatus.IN_PROGRESS and draft.answers == {"strategy-1": "s3"}
    assert draft.country_id == campaign.country_id and draft.submitted_at is None

    with pytest.raises(ValidationFailed, match="Answer every question") as exc:
        org_maturity.save(db.session, Actor(focal), campaign, organisation,
                          {"strategy-1": "s3"}, submit=True)
    assert exc.value.field == "strategy-2"

    answers = {"strategy-1": "s3", "strategy-2": "s4", "budget-1": "s0", "budget-2": "s1", "budget-3": "s2"}
    done = org_maturity.save(db.session, Actor(focal), campaign, organisation, answers, submit=True)
    assert done is draft and done.status == AttemptStatus.SUBMITTED
    assert done.dimension_scores == {"strategy": {"score": 3.5, "level": 3, "items": 2},
                                     "budget": {"score": 1.0, "level": 1, "items": 3}}
    assert done.maturity_level == 2.25 and org_maturity.level_for(done.maturity_level) == 2
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "organisation_assessment.submit")).actor_id == focal.id
    with pytest.raises(ValidationFailed, match="submitted already"):
        org_maturity.save(db.session, Actor(focal), campaign, organisation, answers, submit=True)
    # organisational capacity never turns into individual results
    assert db.session.scalar(select(CompetencyResult)) is None


def test_only_organisations_of_the_campaign_and_only_while_it_is_not_closed():
    campaign = make_campaign()
    make_org_instrument(campaign.instrument.framework)
    with pytest.raises(NotFound):
        org_maturity.save(db.session, Actor(None), campaign, OrganisationFactory(country=campaign.country),
                          {}, submit=False)
    campaign.closed_early_at = utcnow()
    with pytest.raises(ValidationFailed, match="closed"):
        org_maturity.save(db.session, Actor(None), campaign, campaign.organisations[0].organisation,
                          {}, submit=False)
    assert db.session.scalar(select(OrganisationAssessment)) is None


def test_the_organisation_instrument_on_the_campaigns_framework_is_preferred():
    campaign = make_campaign()
    other = make_org_instrument(make_campaign(roles=False).instrument.framework, code="a-other")
    same = make_org_instrument(campaign.instrument.framework, code="b-same")
    assert org_maturity.organisation_instrument(db.session, campaign) is same
    same.current = False
    assert org_maturity.organisation_instrument(db.session, campaign) is other
    other.current = False
    with pytest.raises(NotFound, match="no organisation instrument"):
        org_maturity.organisation_instrument(db.session, campaign)
