"""The one date, time, duration and number format (app/formatting.py): Babel, the user's locale, their
country's time zone, plurals that agree with the number."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import render_template_string
from flask_babel import force_locale
from flask_login import login_user

from app.formatting import date_text, datetime_text, duration_text, minutes_text, number_text
from tests.factories import CountryFactory, UserFactory

LATE_EVENING_UTC = datetime(2026, 11, 2, 22, 30, tzinfo=UTC)  # already 3 November in Nairobi (UTC+3)


def test_a_moment_is_shown_in_the_signed_in_users_country_time_zone(app):
    user = UserFactory(country=CountryFactory(time_zone="Africa/Nairobi"))
    with app.test_request_context():
        login_user(user)
        assert datetime_text(LATE_EVENING_UTC) == "3 November 2026 at 01:30"
        assert date_text(LATE_EVENING_UTC) == "3 November 2026"


def test_without_a_country_a_moment_is_shown_in_utc(app):
    with app.test_request_context():
        assert datetime_text(LATE_EVENING_UTC) == "2 November 2026 at 22:30"


def test_a_given_time_zone_wins_over_the_users(app):
    user = UserFactory(country=CountryFactory(time_zone="Africa/Nairobi"))
    with app.test_request_context():
        login_user(user)
        assert datetime_text(LATE_EVENING_UTC, "America/Bogota") == "2 November 2026 at 17:30"


def test_a_date_follows_the_locale(app):
    with app.test_request_context():
        assert date_text(date(2026, 12, 23)) == "23 December 2026"
        assert date_text(date(2026, 12, 23), with_year=False) == "23 December"
        this_year = datetime.now(UTC).year
        assert date_text(date(this_year, 12, 23), with_year=None) == "23 December"
        assert date_text(date(this_year + 1, 1, 2), with_year=None) == f"2 January {this_year + 1}"
        with force_locale("fr"):
            assert date_text(date(2026, 12, 23)) == "23 décembre 2026"
        with force_locale("de"):
            assert number_text(1234.5) == "1.234,5"


def test_numbers_have_grouping_and_no_trailing_zeros(app):
    with app.test_request_context():
        assert number_text(1234.5) == "1,234.5"
        assert number_text(3.0) == "3"
        assert number_text(0.123, digits=2) == "0.12"
        assert number_text(None) == ""


def test_durations_say_hour_for_one_and_hours_otherwise(app):
    with app.test_request_context():
        assert duration_text(1) == "1 hour"
        assert duration_text(1.0) == "1 hour"
        assert duration_text(2.5) == "2.5 hours"
        assert duration_text(7.33) == "7.5 hours"
        assert duration_text(8) == "8 hours"
        assert duration_text(0.5) == "30 minutes"
        assert minutes_text(1) == "1 minute"
        assert minutes_text(20) == "20 minutes"
        assert minutes_text(150) == "2.5 hours"


def test_the_filters_are_there_for_templates(app):
    with app.test_request_context():
        page = render_template_string(
            "{{ d|date }} / {{ m|datetime }} / {{ h|duration }} / {{ n|number }} / {{ none|date }}",
            d=date(2026, 12, 1), m=LATE_EVENING_UTC, h=1, n=20000, none=None)
        assert page == "1 December 2026 / 2 November 2026 at 22:30 / 1 hour / 20,000 / "
