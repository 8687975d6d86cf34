"""The organisation assessment: a focal point answers the organisation instrument once per
organisation and campaign; the answers are scored into a maturity level per dimension.

Scoring rules (also on the help page):

- each maturity item's chosen option carries a score from 0 to 4;
- a dimension's score is the mean of its items' scores;
- a dimension's maturity level is that mean rounded to the nearest whole level, halves rounded
  DOWN: 2.5 is level 2, anything above 2.5 is level 3 — a level is reached only when the mean is
  more than halfway to it, so an organisation is never placed above what its answers support;
- the overall maturity is the mean of the dimension scores (each dimension weighs the same,
  whatever its number of items), and its level follows the same rounding.

Organisational capacity is kept apart from individual skills: its own table, never mixed into an
official's results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    AttemptStatus,
    Campaign,
    Instrument,
    InstrumentKind,
    Item,
    ItemKind,
    Organisation,
    OrganisationAssessment,
)
from app.models.base import utcnow
from app.services import audit
from app.services.assessment.campaigns import window_state
from app.services.audit import Actor
from app.services.errors import NotFound, ValidationFailed

HALF = Fraction(1, 2)


def level_for(score: Fraction | float) -> int:
    """The maturity level of a mean score: nearest whole level, halves rounded down."""
    exact = Fraction(score).limit_denominator(10_000) if isinstance(score, float) else score
    return max(0, math.ceil(exact - HALF))


@dataclass(frozen=True)
class DimensionScore:
    dimension: str
    score: Fraction  # mean of the item scores, 0-4
    level: int
    items: int


@dataclass(frozen=True)
class Maturity:
    dimensions: list[DimensionScore]  # in the instrument's order
    overall: Fraction | None          # mean of the dimension scores
    overall_level: int | None


def maturity_items(instrument: Instrument) -> list[Item]:
    return [item for item in instrument.items if item.kind == ItemKind.MATURITY]


def _option_scores(item: Item) -> dict[str, int]:
    return {str(option["value"]): int(option.get("score", 0)) for option in item.options}


def score(items: list[Item], answers: dict[str, Any]) -> Maturity:
    """Score ``answers`` ({item code: option value}); unanswered items are left out of the means.

    Raises ValidationFailed (field = the item code) for a value that is not one of the item's options.
    """
    by_dimension: dict[str, list[int]] = {}
    for item in items:
        by_dimension.setdefault(item.dimension or "general", [])
        if item.code not in answers:
            continue
        scores = _option_scores(item)
        value = str(answers[item.code])
        if value not in scores:
            raise ValidationFailed(f"{value!r} is not an answer to {item.code}", field=item.code)
        by_dimension[item.dimension or "general"].append(scores[value])
    dimensions = [
        DimensionScore(dimension, Fraction(sum(values), len(values)),
                       level_for(Fraction(sum(values), len(values))), len(values))
        for dimension, values in by_dimension.items() if values
    ]
    if not dimensions:
        return Maturity(dimensions=[], overall=None, overall_level=None)
    overall = sum((d.score for d in dimensions), Fraction(0)) / len(dimensions)
    return Maturity(dimensions=dimensions, overall=overall, overall_level=level_for(overall))


# Answering ---------------------------------------------------------------------------------------


def organisation_instrument(session: Session, campaign: Campaign) -> Instrument:
    """The current organisation instrument, on the framework of the campaign's instrument if one is."""
    candidates = list(session.scalars(
        select(Instrument).where(Instrument.current.is_(True),
                                 Instrument.kind == InstrumentKind.ORGANISATION)
        .order_by(Instrument.code)))
    if not candidates:
        raise NotFound("There is no organisation instrument yet: run flask content sync")
    same = [i for i in candidates if i.framework_id == campaign.instrument.framework_id]
    return (same or candidates)[0]


def find(session: Session, campaign: Campaign, organisation: Organisation) -> OrganisationAssessment | None:
    return session.scalar(select(OrganisationAssessment).where(
        OrganisationAssessment.campaign_id == campaign.id,
        OrganisationAssessment.organisation_id == organisation.id))


def assessments_by_organisation(session: Session, campaign: Campaign) -> dict[int, OrganisationAssessment]:
    return {a.organisation_id: a for a in session.scalars(
        select(OrganisationAssessment).where(OrganisationAssessment.campaign_id == campaign.id))}


def save(session: Session, actor: Actor, campaign: Campaign, organisation: Organisation,
         answers: dict[str, Any], *, submit: bool, now: datetime | None = None
         ) -> OrganisationAssessment:
    """Save the answers as a draft, or submit them (every item answered) and store the scores.

    Raises ValidationFailed when the organisation is not in the campaign, the campaign is closed,
    the assessment was submitted already, an answer is not an option, or (on submit) an item is
    left unanswered (field = its code).
    """
    now = now or utcnow()
    if organisation.id not in {link.organisation_id for link in campaign.organisations}:
        raise NotFound("This organisation is not part of the campaign")
    if window_state(campaign, now) == "closed":
        raise ValidationFailed("This campaign is closed: its organisation assessments cannot change")
    assessment = find(session, campaign, organisation)
    if assessment is None:
        assessment = OrganisationAssessment(
            campaign=campaign, organisation=organisation, country_id=campaign.country_id,
            instrument=organisation_instrument(session, campaign), answers={},
            status=AttemptStatus.IN_PROGRESS)
        session.add(assessment)
    if assessment.status == AttemptStatus.SUBMITTED:
        raise ValidationFailed("This organisation's assessment has been submitted already")
    items = maturity_items(assessment.instrument)
    codes = {item.code for item in items}
    kept = {code: str(value) for code, value in answers.items() if code in codes and value not in (None, "")}
    result = score(items, kept)  # refuses values that are not options
    if submit:
        for item in items:
            if item.code not in kept:
                raise ValidationFailed(f"Answer every question before submitting: {item.prompt}",
                                       field=item.code)
    assessment.answers = kept
    assessment.answered_by_id = actor.user_id
    assessment.dimension_scores = {
        d.dimension: {"score": round(float(d.score), 4), "level": d.level, "items": d.items}
        for d in result.dimensions
    }
    assessment.maturity_level = float(result.overall) if result.overall is not None else None
    if submit:
        assessment.status, assessment.submitted_at = AttemptStatus.SUBMITTED, now
        audit.record(session, actor, "organisation_assessment.submit", assessment,
                     country_id=campaign.country_id,
                     details={"campaign_id": campaign.id, "organisation_id": organisation.id,
                              "maturity": assessment.maturity_level})
    return assessment
