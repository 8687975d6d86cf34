"""Dates, times, durations and numbers as every page shows them: one format, through Babel, in the
user's locale and their country's time zone.

Templates use the filters (``resource.reviewed_on|date``, ``job.created_at|datetime``,
``resource.hours|duration``, ``value|number``); Python code that builds page text calls the functions.
A moment is shown in the signed-in user's country's time zone (UTC for an account without a country),
or in the zone given, e.g. a campaign's country for its window: ``campaign.closes_at|datetime(zone)``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, has_request_context
from flask_babel import format_date, format_decimal, format_time, get_locale, get_timezone, ngettext
from flask_babel import gettext as _
from flask_login import current_user

# The date as people in each locale write it in prose; Babel's "long" format elsewhere ("en" alone
# would give the US "November 2, 2026").
_DATE_PATTERNS = {"en": "d MMMM y"}
_DAY_MONTH_PATTERNS = {"en": "d MMMM"}
_MONTH_PATTERNS = {"en": "MMMM y"}


def user_time_zone() -> str | None:
    """The signed-in user's country's time zone: Flask-Babel's time zone selector."""
    if has_request_context() and current_user.is_authenticated and current_user.country is not None:
        return current_user.country.time_zone
    return None  # Flask-Babel's default, UTC


def _pattern(patterns: dict[str, str], fallback: str) -> str:
    locale = get_locale()
    return patterns.get(locale.language if locale else "en", fallback)


def _local(moment: datetime, time_zone: str | None) -> datetime:
    if moment.tzinfo is None:  # a naive moment is UTC, as the database stores them
        moment = moment.replace(tzinfo=UTC)
    zone = ZoneInfo(time_zone) if time_zone else get_timezone()
    return moment.astimezone(zone)


def date_text(value: date | datetime | None, time_zone: str | None = None, *,
              with_year: bool | None = True) -> str:
    """"2 November 2026"; a moment is first put in the user's (or the given) time zone. With
    ``with_year`` False, "2 November"; None: the year only when it is not the current one."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value, time_zone)
    if with_year is None:
        with_year = value.year != _local(datetime.now(UTC), time_zone).year
    if with_year:
        return format_date(value, _pattern(_DATE_PATTERNS, "long"), rebase=False)
    return format_date(value, _pattern(_DAY_MONTH_PATTERNS, "MMMM d"), rebase=False)


def month_text(value: date | datetime | None, time_zone: str | None = None) -> str:
    """"November 2026"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value, time_zone)
    return format_date(value, _pattern(_MONTH_PATTERNS, "MMMM y"), rebase=False)


def datetime_text(value: datetime | None, time_zone: str | None = None, *,
                  seconds: bool = False) -> str:
    """"2 November 2026 at 08:00" in the user's (or the given) time zone; with ``seconds`` (for an
    audit trail) "at 08:00:05"."""
    if value is None:
        return ""
    local = _local(value, time_zone)
    return _("%(date)s at %(time)s",
             date=format_date(local, _pattern(_DATE_PATTERNS, "long"), rebase=False),
             time=format_time(local, "HH:mm:ss" if seconds else "HH:mm", rebase=False))


def number_text(value: float | int | None, digits: int = 1) -> str:
    """A number in the user's locale with at most ``digits`` decimals: "1,234.5", "3"."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return format_decimal(value, pattern)


def _rounded_hours(hours: float) -> float:
    """Hours to the half hour: durations are estimates, and "7.33 hours" claims too much."""
    return round(hours * 2) / 2


def duration_text(hours: float | None) -> str:
    """A duration given in hours, in words: "30 minutes", "1 hour", "2.5 hours", "8 hours"."""
    if hours is None:
        return ""
    if 0 < hours < 0.75:
        minutes = max(5, round(hours * 60 / 5) * 5)
        return ngettext("%(num)s minute", "%(num)s minutes", minutes)
    rounded = _rounded_hours(hours)
    return ngettext("%(hours)s hour", "%(hours)s hours", rounded, hours=number_text(rounded))


def minutes_text(minutes: float | None) -> str:
    """A duration given in minutes, in words: "1 minute", "20 minutes", "1.5 hours"."""
    if minutes is None:
        return ""
    if minutes >= 90:
        return duration_text(minutes / 60)
    whole = max(1, round(minutes))
    return ngettext("%(num)s minute", "%(num)s minutes", whole)


def init_app(app: Flask) -> None:
    app.add_template_filter(date_text, "date")
    app.add_template_filter(datetime_text, "datetime")
    app.add_template_filter(month_text, "month")
    app.add_template_filter(duration_text, "duration")
    app.add_template_filter(minutes_text, "minutes")
    app.add_template_filter(number_text, "number")
