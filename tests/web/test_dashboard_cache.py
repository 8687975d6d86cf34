"""The dashboard's tables and charts are computed once per data version and served from the cache
after (app/cache.py, app/dashboard/cache.py): a second load runs no heavy query, a submission moves
the version (on every app instance sharing the cache, in memory or in Redis), a focal point never gets
another country's cached figures, and a cache that cannot be reached only means computing again."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from flask_caching.backends import SimpleCache
from sqlalchemy import select

from app import create_app
from app.extensions import db, limiter
from app.models import Attempt, AttemptStatus, Invitation, PlanItem, Progress
from app.services.assessment.campaigns import close_early
from app.services.assessment.submission import submit
from app.services.audit import SYSTEM
from app.services.evaluation import data_version
from config import TestConfig
from tests.conftest import Browser
from tests.factories import CampaignFactory, CountryFactory, FocalPointFactory
from tests.unit.analytics_fixture import build_world
from tests.unit.analytics_learning import add_learning
from tests.web.servers import free_port
from tests.web.test_dashboard import csv_of
from tests.web.test_dashboard_queries import counting

PAGES = ("/dashboard/", "/dashboard/skills", "/dashboard/change", "/dashboard/learning",
         "/dashboard/chart/heatmap.svg", "/dashboard/export/change-by-organisation.csv")
TOKEN = re.compile(rb'name="csrf_token" value="[^"]*"')  # signed with the time: not a figure
SHARED = SimpleCache()  # stands in for one Redis that two app instances share


def shared_cache(_app, _config, args, kwargs):
    """A Flask-Caching backend factory (CACHE_TYPE names it): every app built with it gets SHARED."""
    return SHARED



def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def make_app(app):
    """Build app instances on the test database with a cache of their own configuration."""
    kept = dict(limiter.__dict__)  # Flask-Limiter keeps its storage on the one extension object

    def build(**cache_settings):
        config = TestConfig()
        for name, value in cache_settings.items():
            setattr(config, name, value)
        application = create_app(config)
        application.test_client_class = app.test_client_class
        return application

    yield build
    limiter.__dict__.clear()
    limiter.__dict__.update(kept)


@pytest.fixture
def world():
    country = CountryFactory(name="Cacheland")
    built = build_world(country=country, prefix="Cache ")
    add_learning(built)
    db.session.commit()
    return built


def statements(browser, url: str) -> tuple[int, bytes]:
    engine = db.session.connection().engine  # the test's connection, whichever app instance asks
    with counting(engine) as found:
        response = browser.get(url)
    assert response.status_code == 200, url
    return len(found), response.get_data()


def test_a_second_load_runs_no_heavy_query_and_shows_the_same(make_app, world):
    browser = Browser(make_app(CACHE_TYPE="SimpleCache").test_client())
    browser.sign_in_as(FocalPointFactory(country=world.country))
    for url in PAGES:
        first, body = statements(browser, url)
        second, again = statements(browser, url)
        if not url.endswith(".csv"):  # a file's context block says when it was made
            assert TOKEN.sub(b"", again) == TOKEN.sub(b"", body), url
        # The user and their scope, the selection (4 statements), the data version; an export also
        # writes its audit event (5 statements).
        assert second < first and second <= (12 if url.endswith(".csv") else 7), (url, first, second)


def open_campaign(world, officials: int = 6):
    """A campaign open now, with ``officials`` invited and each with an attempt in progress."""
    now = datetime.now(UTC)
    campaign = CampaignFactory(country=world.country, instrument=world.baseline.instrument,
                               name="Cache Pulse", cycle_label="pulse", opens_at=now - timedelta(days=1),
                               closes_at=now + timedelta(days=30))
    attempts = []
    for n in range(1, officials + 1):
        official = world.officials[n]
        db.session.add(Invitation(campaign=campaign, user=official, organisation=world.o1,
                                  role_profile=world.role))
        attempt = Attempt(campaign=campaign, user=official, instrument=campaign.instrument,
                          country_id=world.country.id, organisation=world.o1, role_profile=world.role,
                          status=AttemptStatus.IN_PROGRESS, started_at=now)
        db.session.add(attempt)
        attempts.append(attempt)
    db.session.commit()
    return campaign, attempts


def submitted_of(browser, campaign) -> str:
    """The participation table's "submitted" of the campaign's total row, as the CSV gives it."""
    _header, *rows = csv_of(browser.get("/dashboard/export/participation.csv"))
    row = next(r for r in rows if r[0] == campaign.name and r[2] == "All organisations")
    return row[5]  # campaign, cycle, organisation, invited, started, submitted


def submit_all(attempts) -> None:
    now = datetime.now(UTC)
    for attempt in attempts:
        assert submit(db.session, attempt.id, attempt.user_id, now).submitted_now
    db.session.commit()


def test_a_submission_invalidates(make_app, world):
    browser = Browser(make_app(CACHE_TYPE="SimpleCache").test_client())
    browser.sign_in_as(FocalPointFactory(country=world.country))
    campaign, attempts = open_campaign(world)
    before = submitted_of(browser, campaign)
    version = data_version.current(db.session, datetime.now(UTC)).version
    assert submitted_of(browser, campaign) == before  # served from the cache

    submit_all(attempts)
    assert data_version.current(db.session, datetime.now(UTC)).version == version + 1  # once per transaction
    after = submitted_of(browser, campaign)
    assert not before.isdigit() or int(before) < 5  # none submitted: 0, or hidden
    assert after.isdigit() and int(after) >= 5 - 2  # six, released with a noise of at most 2


def test_an_early_close_and_a_window_end_move_the_key(world):
    now = datetime.now(UTC)
    campaign = CampaignFactory(country=world.country, instrument=world.baseline.instrument,
                               opens_at=now - timedelta(days=1), closes_at=now + timedelta(hours=1))
    db.session.commit()
    open_now = data_version.current(db.session, now)
    assert data_version.current(db.session, now + timedelta(hours=2)).token != open_now.token  # ended

    close_early(db.session, SYSTEM, campaign, now)
    assert data_version.current(db.session, now).version == open_now.version + 1


@pytest.mark.parametrize("backend", ["shared memory", "redis"])
def test_two_app_instances_sharing_a_cache_see_the_same_invalidation(make_app, world, backend):
    if backend == "redis":
        if not _redis_up():
            pytest.skip("no Redis on 127.0.0.1:6379")
        settings = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": "redis://127.0.0.1:6379/0",
                    "CACHE_KEY_PREFIX": f"capstack-test-{uuid.uuid4().hex}:"}
    else:
        SHARED.clear()
        settings = {"CACHE_TYPE": f"{__name__}.shared_cache"}
    first, second = make_app(**settings), make_app(**settings)
    focal_point = FocalPointFactory(country=world.country)
    campaign, attempts = open_campaign(world)
    one = Browser(first.test_client()).sign_in_as(focal_point)
    other = Browser(second.test_client()).sign_in_as(focal_point)
    url = "/dashboard/chart/participation.svg"

    computed, chart = statements(one, url)
    served, same = statements(other, url)  # computed by the first instance, read by the second
    assert same == chart and served < computed

    submit_all(attempts)  # as a request to the first instance would
    recomputed, redrawn = statements(other, url)
    assert recomputed == computed and redrawn != chart
    assert statements(one, url) == (served, redrawn)  # the second instance's figures, on the first


def test_a_focal_point_never_gets_another_countrys_cached_figures(make_app):
    a = build_world(country=CountryFactory(name="Aland"), prefix="Aland ")
    b = build_world(country=CountryFactory(name="Bland"), prefix="Bland ")
    db.session.commit()
    application = make_app(CACHE_TYPE="SimpleCache")
    for url in ("/dashboard/", "/dashboard/chart/heatmap.svg", "/dashboard/export/heatmap.csv"):
        seen = {}
        for world, other in ((a, "Bland "), (b, "Aland ")):
            browser = Browser(application.test_client()).sign_in_as(FocalPointFactory(country=world.country))
            body = browser.get(url).get_data(as_text=True)
            assert other not in body and world.o1.name in body, url
            seen[world.country.name] = body
        assert seen["Aland"] != seen["Bland"]


def test_redis_down_means_computing_not_an_error(make_app, world, caplog):
    application = make_app(CACHE_TYPE="RedisCache",
                           CACHE_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                           CACHE_OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 1})
    browser = Browser(application.test_client()).sign_in_as(FocalPointFactory(country=world.country))
    for url in PAGES:
        first, body = statements(browser, url)
        second, again = statements(browser, url)
        assert first == second, url  # computed both times
    assert "cache: not read" in caplog.text


def test_officials_working_on_their_plans_leave_the_other_pages_cached(make_app, world):
    """At national scale officials change their plans all day: that moves the learning figures only.
    The skills page (and every page that does not count learning) is still served from the cache;
    the learning page is computed again and shows the change."""
    browser = Browser(make_app(CACHE_TYPE="SimpleCache").test_client())
    browser.sign_in_as(FocalPointFactory(country=world.country))
    heavy = {url: statements(browser, url)[0] for url in PAGES}
    served = {url: statements(browser, url)[0] for url in PAGES}
    before = csv_of(browser.get("/dashboard/export/learning-activity.csv"))

    second = db.session.scalars(select(PlanItem.resource_id).where(PlanItem.rank == 2)).first()
    for n in range(1, 8):  # seven officials finish the second resource of their plan
        db.session.add(Progress(user_id=world.officials[n].id, resource_id=second, status="completed",
                                completed_on=datetime.now(UTC).date()))
    db.session.commit()

    for url in ("/dashboard/", "/dashboard/skills", "/dashboard/change", "/dashboard/chart/heatmap.svg"):
        assert statements(browser, url)[0] == served[url], url
    assert statements(browser, "/dashboard/learning")[0] == heavy["/dashboard/learning"]
    assert csv_of(browser.get("/dashboard/export/learning-activity.csv")) != before
