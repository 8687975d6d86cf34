"""More than one machine: two app instances (two gunicorn masters on different ports) on one PostgreSQL
database and one Redis share sessions, sign-in limits and the job queue.

The database is a scratch PostgreSQL database of the test's own and Redis a redis-server of its own, so
nothing here touches the suite's database or the machine's Redis."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text

from tests.factories import PASSWORD
from tests.web import servers
from tests.web.test_assess_restart import Client

pytestmark = pytest.mark.no_db


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-instances")
    database = servers.ScratchDatabase()
    redis_server = servers.RedisServer(servers.free_port(), folder / "redis.log")
    env = servers.environment(DATABASE_URL=database.url, REDIS_URL=redis_server.url)
    started = []
    try:
        servers.flask(["db", "upgrade"], env)
        people = _people(database.url)
        started = [servers.Gunicorn(env, folder / f"{name}.log") for name in ("first", "second")]
        yield {"first": started[0], "second": started[1], "env": env, "people": people,
               "database": database.url, "folder": folder}
    finally:
        for server in started:
            server.stop()
        redis_server.kill()
        database.drop()


def _people(url: str) -> dict:
    """An official invited to an open campaign and a focal point of its country, committed."""
    from app import create_app
    from app.extensions import db
    from app.models import Invitation
    from config import Config
    from tests.factories import FocalPointFactory, InvitationFactory, make_framework, make_instrument
    from tests.unit.test_campaigns_service import make_campaign

    config = Config()
    config.SQLALCHEMY_DATABASE_URI = url.replace("postgresql://", "postgresql+psycopg://")
    application = create_app(config)
    with application.app_context():
        campaign = make_campaign(instrument=make_instrument(make_framework(competencies=1)))
        official = InvitationFactory(campaign=campaign).user
        for _ in range(3):
            InvitationFactory(campaign=campaign)
        people = {"official": official.email, "name": official.name, "campaign": campaign.id,
                  "focal_point": FocalPointFactory(country=campaign.country).email,
                  "invitations": db.session.query(Invitation).count()}
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return people


def _browser(server) -> Client:
    client = Client()
    client.base = server.base
    return client


def _sign_in(client: Client, email: str, password: str = PASSWORD) -> str:
    client.get("/auth/login")
    url, _page = client.post("/auth/login", {"email": email, "password": password})
    return url


def test_a_session_begun_on_one_instance_is_a_session_on_the_other_and_ends_on_both(instances):
    first, second, people = instances["first"], instances["second"], instances["people"]
    browser = _browser(first)
    assert _sign_in(browser, people["official"]) == "/"
    browser.base = second.base  # the load balancer sends the next request elsewhere
    _url, page = browser.get("/")
    assert f"Welcome, {people['name']}" in page
    copy = _browser(first)
    copy.opener = browser.opener  # the same cookies, kept by someone else
    browser.post("/auth/logout", {})
    url, _page = copy.get("/assess/")
    assert url.startswith("/auth/login")  # signed out on the second: the first refuses the cookie too


def test_failed_sign_ins_are_counted_across_instances(instances):
    from urllib.error import HTTPError

    codes = []
    for server in (instances["first"], instances["second"]) * 3:
        try:
            _sign_in(_browser(server), instances["people"]["official"], "not the password")
        except HTTPError as exc:
            codes.append(exc.code)
    assert codes == [401] * 5 + [429]


def test_a_job_queued_by_one_instance_is_run_by_a_worker_beside_them(instances):
    people = instances["people"]
    focal_point = _browser(instances["second"])
    assert _sign_in(focal_point, people["focal_point"]) == "/"
    focal_point.get(f"/campaigns/{people['campaign']}/remind")
    url, page = focal_point.post(f"/campaigns/{people['campaign']}/remind", {})
    assert f"Reminders are being sent to {people['invitations']} officials" in page
    engine = create_engine(instances["database"].replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT status FROM jobs")).scalar_one() == "queued"  # no worker yet
        servers.flask(["jobs", "worker", "--burst"], instances["env"], timeout=120)
        with engine.connect() as conn:
            status, done = conn.execute(text("SELECT status, done FROM jobs")).one()
            sent = conn.execute(select(text("count(*)")).select_from(text("outbox_messages"))
                                .where(text("sent_at IS NOT NULL"))).scalar_one()
    finally:
        engine.dispose()
    assert (status, done, sent) == ("done", people["invitations"], people["invitations"])
    assert f"Done: {done} of {done}" in focal_point.get(url)[1]
    other = _browser(instances["first"])  # and on the other instance, with the same cookies
    other.opener = focal_point.opener
    assert f"Done: {done} of {done}" in other.get(url)[1]
