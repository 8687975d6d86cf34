"""Results indicators (Kirkpatrick level 4): what a country tracks about its services — services moved
online, user satisfaction — recorded per organisation (or country-wide) and period.

They are shown beside the capacity trends; nothing here claims that training caused a change.
Focal points manage the indicators of their countries, admins any country's: every function that
reaches an indicator checks the viewer may see its country and raises NotFound otherwise. Every
change is written to the audit log. Functions add to the session; the caller commits.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from app.models import Country, Indicator, IndicatorValue, Organisation, User
from app.services import audit
from app.services.audit import Actor
from app.services.errors import NotFound, ValidationFailed
from app.services.scope import can_see_country, scoped

_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")
FIRST_YEAR, LAST_YEAR = 1990, 2100
MAX_DESCRIPTION = 2000


# Periods ----------------------------------------------------------------------------------------

def parse_period(text: str) -> str:
    """A period as stored: ``2026`` (a year), ``2026-Q3`` (a quarter) or ``2026-09`` (a month).
    Lower-case q is accepted. Raises ValidationFailed on ``period`` for anything else."""
    given = (text or "").strip().upper()
    if not given:
        raise ValidationFailed("Enter the period, for example 2026, 2026-Q3 or 2026-09", field="period")
    match = _PERIOD.match(given)
    if match is None:
        raise ValidationFailed(f"{text.strip()!r} is not a period: use a year (2026), a quarter "
                               "(2026-Q3) or a month (2026-09)", field="period")
    if not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        raise ValidationFailed(f"The year must be between {FIRST_YEAR} and {LAST_YEAR}", field="period")
    return given


def period_key(period: str) -> tuple[int, int, int]:
    """Sorts periods by when they start; at the same start, a month before its quarter before its year."""
    match = _PERIOD.match(period)
    if match is None:
        raise ValueError(f"not a period: {period!r}")
    year, quarter, month = match.groups()
    if month:
        return int(year), int(month), 0
    if quarter:
        return int(year), 3 * int(quarter) - 2, 1
    return int(year), 1, 2


def parse_value(value: float | int | str) -> float:
    """A finite number, from a number or text like ``1234.5``. Raises ValidationFailed on ``value``."""
    if isinstance(value, bool):
        raise ValidationFailed("Enter a number", field="value")
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if not text:
            raise ValidationFailed("Enter the value", field="value")
        if "," in text:
            raise ValidationFailed("Enter a number like 1234.5, without commas", field="value")
        try:
            value = float(text)
        except ValueError as exc:
            raise ValidationFailed(f"{text!r} is not a number", field="value") from exc
    number = float(value)
    if not math.isfinite(number):
        raise ValidationFailed("Enter a finite number", field="value")
    return number


# Indicators -------------------------------------------------------------------------------------

def indicators_query(viewer: User, *, country_id: int | None = None) -> Select[tuple[Indicator]]:
    """The indicators of the countries ``viewer`` may see (or of one of them), by country and name."""
    stmt = scoped(select(Indicator), Indicator.country_id, viewer).join(
        Country, Country.id == Indicator.country_id)
    if country_id:
        stmt = stmt.where(Indicator.country_id == country_id)
    return stmt.order_by(Country.name, Indicator.name)


def value_counts(session: Session, indicator_ids: list[int]) -> dict[int, tuple[int, str | None]]:
    """Per indicator: how many values are recorded, and the latest period recorded (one query)."""
    if not indicator_ids:
        return {}
    rows = session.execute(
        select(IndicatorValue.indicator_id, IndicatorValue.period)
        .where(IndicatorValue.indicator_id.in_(indicator_ids)))
    found: dict[int, list[str]] = {}
    for indicator_id, period in rows:
        found.setdefault(indicator_id, []).append(period)
    return {i: (len(found.get(i, [])), max(found[i], key=period_key) if i in found else None)
            for i in indicator_ids}


def get_indicator(session: Session, viewer: User, indicator_id: int) -> Indicator:
    """The indicator, if ``viewer`` may see its country. Raises NotFound otherwise."""
    indicator = session.get(Indicator, indicator_id)
    if indicator is None or not can_see_country(viewer, indicator.country_id):
        raise NotFound("No such indicator")
    return indicator


def _check_fields(session: Session, country: Country, name: str, unit: str, description: str,
                  indicator: Indicator | None) -> tuple[str, str, str]:
    name, unit, description = name.strip(), (unit or "").strip(), (description or "").strip()
    if not name:
        raise ValidationFailed("Enter the indicator's name", field="name")
    if len(name) > 200:
        raise ValidationFailed("The name must be 200 characters or fewer", field="name")
    if len(unit) > 40:
        raise ValidationFailed("The unit must be 40 characters or fewer", field="unit")
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed("Keep the description under 2,000 characters", field="description")
    taken = session.scalar(select(Indicator).where(
        Indicator.country_id == country.id, func.lower(Indicator.name) == name.lower()))
    if taken is not None and taken is not indicator:
        raise ValidationFailed(f"{country.name} already has an indicator called {taken.name}",
                               field="name")
    return name, unit, description


def create_indicator(session: Session, actor: Actor, *, country: Country, name: str, unit: str = "",
                     description: str = "") -> Indicator:
    """A new indicator for ``country``. Raises NotFound when the actor may not see the country,
    ValidationFailed (with the field) for a missing, too long or taken name, or a too long unit."""
    if actor.user is not None and not can_see_country(actor.user, country.id):
        raise NotFound("No such country")
    name, unit, description = _check_fields(session, country, name, unit, description, None)
    indicator = Indicator(country_id=country.id, name=name, unit=unit, description=description,
                          created_by_id=actor.user_id)
    session.add(indicator)
    audit.record(session, actor, "indicator.create", indicator, country_id=country.id,
                 details={"name": name, "unit": unit})
    return indicator


def update_indicator(session: Session, actor: Actor, indicator: Indicator, *, name: str, unit: str = "",
                     description: str = "") -> Indicator:
    """Rename or redescribe an indicator; the audit log keeps what it was. Raises like create."""
    if actor.user is not None and not can_see_country(actor.user, indicator.country_id):
        raise NotFound("No such indicator")
    country = session.get(Country, indicator.country_id)
    name, unit, description = _check_fields(session, country, name, unit, description, indicator)
    before = {"name": indicator.name, "unit": indicator.unit, "description": indicator.description}
    indicator.name, indicator.unit, indicator.description = name, unit, description
    audit.record(session, actor, "indicator.update", indicator, country_id=indicator.country_id,
                 details={"before": before, "after": {"name": name, "unit": unit,
                                                      "description": description}})
    return indicator


# Values -----------------------------------------------------------------------------------------

def _existing(session: Session, indicator: Indicator, organisation_id: int | None,
              period: str) -> IndicatorValue | None:
    # Country-wide values have no organisation, and NULLs never clash in a unique constraint: look.
    org = (IndicatorValue.organisation_id.is_(None) if organisation_id is None
           else IndicatorValue.organisation_id == organisation_id)
    return session.scalar(select(IndicatorValue).where(
        IndicatorValue.indicator_id == indicator.id, org, IndicatorValue.period == period))


def record_value(session: Session, actor: Actor, indicator: Indicator, *,
                 organisation: Organisation | None, period: str, value: float | int | str
                 ) -> tuple[IndicatorValue, float | None]:
    """Record the indicator's value for ``organisation`` (None: country-wide) and ``period``; a value for
    the same organisation and period is replaced. Returns the value and the one it replaced (or None).

    Raises NotFound when the actor may not see the indicator, ValidationFailed (with the field) for a
    bad period or value, or an organisation of another country.
    """
    if actor.user is not None and not can_see_country(actor.user, indicator.country_id):
        raise NotFound("No such indicator")
    period = parse_period(period)
    number = parse_value(value)
    if organisation is not None and organisation.country_id != indicator.country_id:
        raise ValidationFailed(f"{organisation.name} is not in this indicator's country",
                               field="organisation")
    organisation_id = organisation.id if organisation is not None else None
    record = _existing(session, indicator, organisation_id, period)
    previous = record.value if record is not None else None
    if record is None:
        record = IndicatorValue(indicator_id=indicator.id, organisation_id=organisation_id, period=period)
        session.add(record)
    record.value, record.recorded_by_id = number, actor.user_id
    audit.record(session, actor, "indicator.value.record", indicator, country_id=indicator.country_id,
                 details={"period": period, "organisation_id": organisation_id, "value": number,
                          "previous": previous})
    return record, previous


def delete_value(session: Session, actor: Actor, indicator: Indicator, value_id: int) -> IndicatorValue:
    """Remove one recorded value of ``indicator``. Raises NotFound for a value of another indicator."""
    if actor.user is not None and not can_see_country(actor.user, indicator.country_id):
        raise NotFound("No such indicator")
    record = session.get(IndicatorValue, value_id)
    if record is None or record.indicator_id != indicator.id:
        raise NotFound("No such value")
    audit.record(session, actor, "indicator.value.delete", indicator, country_id=indicator.country_id,
                 details={"period": record.period, "organisation_id": record.organisation_id,
                          "value": record.value})
    session.delete(record)
    return record


@dataclass
class ValueTable:
    """An indicator's values: each row by period then organisation (country-wide first), and the
    same values as series per organisation over the periods, for a chart."""

    rows: list[IndicatorValue] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    series: dict[Organisation | None, list[float | None]] = field(default_factory=dict)


def value_table(session: Session, indicator: Indicator) -> ValueTable:
    values = list(session.scalars(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id)
                                  .options(selectinload(IndicatorValue.organisation))))

    def organisation_key(v: IndicatorValue) -> tuple[int, str]:
        return (0, "") if v.organisation is None else (1, v.organisation.name.lower())

    values.sort(key=lambda v: (period_key(v.period), organisation_key(v)))
    table = ValueTable(rows=values)
    table.periods = sorted({v.period for v in values}, key=period_key)
    column = {period: index for index, period in enumerate(table.periods)}
    for v in sorted(values, key=organisation_key):
        series = table.series.setdefault(v.organisation, [None] * len(table.periods))
        series[column[v.period]] = v.value
    return table
