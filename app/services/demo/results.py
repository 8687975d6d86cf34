"""Demoland's results indicators (Kirkpatrick L4), recorded by its focal point per organisation and
quarter from the baseline's quarter on: two reported by the organisations, and the training hours
worked out from the completions the demo recorded."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Campaign, Country, Indicator, IndicatorValue, Organisation, Progress, Resource, User
from app.services.audit import Actor
from app.services.evaluation import indicators

SERVICES, SATISFACTION, HOURS = ("Services available online", "User satisfaction",
                                 "Digital skills training")
_INDICATORS = (
    (SERVICES, "services", "Public services that can be completed fully online, end to end."),
    (SATISFACTION, "%", "Share of users satisfied with the organisation's services (quarterly survey)."),
    (HOURS, "hours", "Hours of training completed by the organisation's officials in the quarter."),
)


def _quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarters(first: datetime, last: datetime) -> list[str]:
    """The quarters from ``first``'s to ``last``'s, as periods (2026-Q1)."""
    year, quarter = _quarter(first.date())
    end = _quarter(last.date())
    found = []
    while (year, quarter) <= end:
        found.append(f"{year}-Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return found


def _training_hours(session: Session, country: Country) -> dict[tuple[int, str], float]:
    """(organisation id, quarter) -> catalogue hours of the resources completed in it."""
    hours: dict[tuple[int, str], float] = {}
    for organisation_id, completed_on, resource_hours in session.execute(
            select(User.organisation_id, Progress.completed_on, Resource.hours)
            .join(User, User.id == Progress.user_id).join(Resource, Resource.id == Progress.resource_id)
            .where(User.country_id == country.id, Progress.status == "completed")):
        year, quarter = _quarter(completed_on)
        key = (organisation_id, f"{year}-Q{quarter}")
        hours[key] = hours.get(key, 0.0) + resource_hours
    return hours


def record_indicators(session: Session, actor: Actor, country: Country, organisations: list[Organisation],
                      baseline: Campaign, seed: int, now: datetime) -> int:
    """Create the indicators and record the values missing; how many values were recorded."""
    periods = quarters(baseline.opens_at, now)
    hours = _training_hours(session, country)
    existing = {indicator.name: indicator for indicator in session.scalars(
        select(Indicator).where(Indicator.country_id == country.id))}
    recorded = 0
    for name, unit, description in _INDICATORS:
        indicator = existing.get(name) or indicators.create_indicator(
            session, actor, country=country, name=name, unit=unit, description=description)
        session.flush()
        have = set(session.execute(select(IndicatorValue.organisation_id, IndicatorValue.period)
                                   .where(IndicatorValue.indicator_id == indicator.id)).all())
        for organisation in organisations:
            value_of = _series(name, random.Random(f"{seed}:{organisation.name}:{name}"), organisation, hours)
            for step, period in enumerate(periods):
                if (organisation.id, period) in have:
                    continue
                indicators.record_value(session, actor, indicator, organisation=organisation, period=period,
                                        value=value_of(step, period))
                recorded += 1
    session.commit()
    return recorded


def _series(name: str, rng: random.Random, organisation: Organisation,
            hours: dict[tuple[int, str], float]) -> Callable[[int, str], float]:
    """The value of indicator ``name`` for the organisation in each quarter (its step from the first)."""
    if name == HOURS:
        return lambda _step, period: round(hours.get((organisation.id, period), 0.0), 1)
    if name == SERVICES:
        base, growth = rng.randint(3, 14), rng.uniform(0.8, 2.6)
        return lambda step, _period: float(base + round(step * growth))
    base, growth = rng.uniform(54, 72), rng.uniform(1.0, 3.5)
    return lambda step, _period: round(min(95.0, base + step * growth + rng.gauss(0, 1.2)), 1)


def indicator_count(session: Session, country: Country) -> int:
    return session.scalar(select(func.count()).select_from(IndicatorValue).join(Indicator).where(
        Indicator.country_id == country.id)) or 0
