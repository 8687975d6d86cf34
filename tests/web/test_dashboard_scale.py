"""Every dashboard page, chart and export answers whatever the number of officials and organisations:
no statement binds one parameter per official or organisation (PostgreSQL allows 65,535 per statement,
SQLite as few as its build allows), so a country of 100,000 officials is no HTTP 500.

On SQLite the test's connection is given a variable limit of 100 and the country more than 100
officials in more than 100 organisations: a list of ids bound one by one fails. On every database the
bind parameters of each statement are counted, and stay the same from one to three times the data."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Enrolment, Feedback, FollowUp, Invitation, LearningPlan, PlanItem, Progress
from tests.factories import CountryFactory, FocalPointFactory, OrganisationFactory, UserFactory
from tests.unit.analytics_fixture import BASELINE_AT, FOLLOW_UP_AT, build_world, submit
from tests.unit.analytics_learning import add_learning
from tests.web.test_dashboard import CHARTS, TABLES

LIMIT = 100
NOW = datetime(2026, 6, 1, tzinfo=UTC)
PAGES = ("/dashboard/", "/dashboard/skills", "/dashboard/change", "/dashboard/learning",
         "/dashboard/content-gaps", "/dashboard/skills?results=validated")


def urls(campaign_id: int | None = None) -> list[str]:
    chosen = [*PAGES, *(f"/dashboard/chart/{name}.svg" for name in CHARTS),
              *(f"/dashboard/export/{name}.csv" for name in TABLES),
              "/dashboard/export/heatmap.xlsx"]
    if campaign_id is not None:
        chosen += [f"/dashboard/?campaign={campaign_id}", f"/dashboard/change?campaign={campaign_id}",
                   f"/dashboard/chart/participation.svg?campaign={campaign_id}"]
    return chosen


def crowd(world, learning, n: int, prefix: str) -> None:
    """``n`` more officials in the world's country, each alone in an organisation of their own, with
    a baseline and a follow-up, a plan, a path enrolment, a completed resource, feedback and a
    follow-up answer: every table has as many rows (and keys) as organisations."""
    c1, c2 = world.c1, world.c2
    for i in range(n):
        organisation = OrganisationFactory(country=world.country, name=f"{prefix}Office {i:03d}")
        official = UserFactory(organisation=organisation, name=f"{prefix}Crowd {i}",
                               email=f"{prefix.lower().strip()}crowd{i}@example.org")
        db.session.flush()
        for campaign, when, levels in ((world.baseline, BASELINE_AT, ((i % 3, 1), (1, 1))),
                                       (world.follow_up, FOLLOW_UP_AT, ((i % 3 + 1, 2), (2, 1)))):
            db.session.add(Invitation(campaign=campaign, user=official, organisation=organisation,
                                      role_profile=world.role))
            submit(campaign, official, organisation, world.role, (c1, c2), levels,
                   when + timedelta(minutes=i))
        plan = LearningPlan(user_id=official.id, country_id=world.country.id)
        plan.items.append(PlanItem(kind="resource", resource_id=learning["r"].id, rank=1, position=1,
                                   reason="gap", status="accepted"))
        r, path = learning["r"].id, learning["path"].id
        db.session.add_all([
            plan, Enrolment(user_id=official.id, path_version_id=path, completed_at=NOW),
            Progress(user_id=official.id, resource_id=r, status="completed", completed_on=NOW.date()),
            Feedback(user_id=official.id, resource_id=r, rating=4, relevance=4, would_recommend=True),
            Feedback(user_id=official.id, path_version_id=path, rating=5, relevance=5, would_recommend=True),
            FollowUp(user_id=official.id, country_id=world.country.id, organisation_id=organisation.id,
                     path_version_id=path, due_at=NOW, sent_at=NOW, answered_at=NOW,
                     applied="yes", frequency="weekly", barriers=["time"])])
    db.session.flush()


@contextmanager
def variable_limit(limit: int):
    """SQLite's limit on bind parameters per statement, lowered for the test's connection."""
    raw = db.session.connection().connection.dbapi_connection
    before = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    try:
        yield
    finally:
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)


@pytest.fixture
def country():
    country = CountryFactory(name="Crowdland")
    world = build_world(country=country, prefix="Crowd ")
    return country, world, add_learning(world)


def test_every_page_chart_and_export_answers_above_the_variable_limit(browser, country):
    if db.session.connection().dialect.name != "sqlite":
        pytest.skip("SQLite's variable limit; on PostgreSQL the bind counts below hold it")
    country, world, learning = country
    crowd(world, learning, LIMIT + 10, "Big ")
    db.session.commit()
    admin = UserFactory(admin=True)
    db.session.commit()
    with variable_limit(LIMIT):
        browser.sign_in_as(FocalPointFactory(country=country))
        failed = {url: status for url in urls(world.follow_up.id)
                  if (status := browser.get(url).status_code) != 200}
        browser.sign_in_as(admin)
        for url in ("/dashboard/countries", "/dashboard/export/countries.csv",
                    "/dashboard/chart/countries.svg"):
            if (status := browser.get(url).status_code) != 200:
                failed[url] = status
    assert failed == {}


@contextmanager
def binds(engine):
    """The most bind parameters any one statement of the block had."""
    most = [0]

    def count(_conn, _cursor, _statement, parameters, *_args):
        size = len(parameters) if isinstance(parameters, tuple | list | dict) else 0
        most[0] = max(most[0], size)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield most
    finally:
        event.remove(engine, "before_cursor_execute", count)


def binds_per_url(browser, chosen) -> dict[str, int]:
    with browser.client.application.app_context():
        engine = db.engine
    found = {}
    for url in chosen:
        with binds(engine) as most:
            assert browser.get(url).status_code == 200, url
        found[url] = most[0]
    return found


def test_bind_parameters_do_not_grow_with_officials_or_organisations(browser, country):
    country, world, learning = country
    crowd(world, learning, 6, "One ")
    db.session.commit()
    browser.sign_in_as(FocalPointFactory(country=country))
    chosen = urls(world.follow_up.id)
    small = binds_per_url(browser, chosen)

    crowd(world, learning, 12, "Two ")
    db.session.commit()
    assert binds_per_url(browser, chosen) == small
