"""The fault test: Redis stopped under real servers.

Two ``flask run`` processes on one SQLite file share a Redis of their own (a ``redis-server`` this test
starts on a free port and kills with SIGKILL). While Redis runs, the two servers share the sign-in
counts. Once it is stopped: signing in still works (and is still limited, in each process's memory),
``/healthz`` says ``redis: down``, and sending reminders is refused with a clear page before anything is
written. With Redis back, the reminders are counted once and their job is queued.

The other two parts of the fault test are tests/web/test_degraded.py (SQLite: two tabs autosaving while
the official signs in 30 times and an admin downloads exports: 0 errors) and
tests/e2e/test_autosave_session.py (autosave after signing out: 401, the answer kept in the browser and
sent after signing in again, in Chromium).
"""

from __future__ import annotations

import json
import urllib.error
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import AuditEvent, Invitation, Job
from config import Config
from tests.factories import PASSWORD, FocalPointFactory, InvitationFactory
from tests.web import test_assess_restart as real
from tests.web.servers import RedisServer, free_port

pytestmark = pytest.mark.no_db


class Server(real.Server):
    """``flask run`` with REDIS_URL set."""

    def __init__(self, database: Path, log: Path, redis_url: str) -> None:
        environment = real._environment
        real._environment = lambda db_path: {**environment(db_path), "REDIS_URL": redis_url}
        try:
            super().__init__(database, log)
        finally:
            real._environment = environment


def _build(database: Path) -> dict:
    data = real._build_database(database)
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"
    application = create_app(config)
    with application.app_context():
        invitation = db.session.scalar(select(Invitation))
        for _ in range(4):
            InvitationFactory(campaign=invitation.campaign)
        data["focal_point"] = FocalPointFactory(country=invitation.campaign.country).email
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return data


def _client(server: Server) -> real.Client:
    client = real.Client()
    client.base = server.base
    return client


def _sign_in(server: Server, email: str, password: str = PASSWORD) -> tuple[int, str]:
    """(status, where the browser ended) of one sign-in from a new browser."""
    client = _client(server)
    client.get("/auth/login")
    try:
        url, _page = client.post("/auth/login", {"email": email, "password": password})
    except urllib.error.HTTPError as exc:
        return exc.code, exc.url.removeprefix(server.base)
    return 200, url


def _health(server: Server) -> dict:
    with urllib.request.urlopen(server.base + "/healthz", timeout=5) as response:  # noqa: S310
        return json.loads(response.read())


def _written(database: Path) -> tuple[int, int, int]:
    """(reminders counted, reminder jobs, reminder audit events) in the database file."""
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"
    application = create_app(config)
    with application.app_context():
        counts = (db.session.scalar(select(func.sum(Invitation.reminders))) or 0,
                  db.session.scalar(select(func.count()).select_from(Job)
                                    .where(Job.kind == "campaigns.remind")),
                  db.session.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action.like("%remind%"))))
        db.session.remove()
        db.engine.dispose()
    return counts


def _remind(focal_point: real.Client, campaign: int, base: str) -> tuple[int, str]:
    focal_point.get(f"/campaigns/{campaign}/remind")
    try:
        url, page = focal_point.post(f"/campaigns/{campaign}/remind", {})
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    return 200, page


def test_with_redis_stopped_sign_in_works_and_reminders_are_refused_with_nothing_written(tmp_path):
    database = tmp_path / "faults.sqlite"
    data = _build(database)
    port = free_port()
    redis_server = RedisServer(port, tmp_path / "redis.log")
    url = f"redis://127.0.0.1:{port}/0"
    first = Server(database, tmp_path / "first.log", url)
    second = Server(database, tmp_path / "second.log", url)
    try:
        # Redis up: the two servers count failed sign-ins together.
        assert _health(first)["redis"] == "ok"
        outcomes = [_sign_in(server, data["email"], "wrong")[0] for server in (first, second) * 3]
        assert outcomes == [401] * 5 + [429]

        focal_point = _client(first)
        focal_point.get("/auth/login")
        assert focal_point.post("/auth/login", {"email": data["focal_point"], "password": PASSWORD})[0] == "/"

        redis_server.kill()  # Redis stopped
        assert _health(first) == {"status": "degraded", "database": "ok", "redis": "down"}
        assert _sign_in(first, data["focal_point"]) == (200, "/")
        assert _sign_in(second, data["focal_point"]) == (200, "/")
        # still limited, now in each process's memory
        assert [_sign_in(first, "someone@example.org", "wrong")[0] for _ in range(6)] == [401] * 5 + [429]

        status, page = _remind(focal_point, data["campaign"], first.base)
        assert status == 503 and "Nothing has been saved or sent" in page
        assert _written(database) == (0, 0, 0)
        status, _page = _remind(focal_point, data["campaign"], first.base)  # a retry: still nothing
        assert status == 503 and _written(database) == (0, 0, 0)

        redis_server = RedisServer(port, tmp_path / "redis.log")  # back again
        status, page = _remind(focal_point, data["campaign"], first.base)
        assert status == 200 and "Reminders are being sent to 5 officials" in page
        assert _written(database) == (5, 1, 1)  # counted once; the job waits for a worker
        assert _health(first)["redis"] == "ok"
    finally:
        for process in (first, second, redis_server):
            process.kill()
    for name in ("first.log", "second.log"):
        log = (tmp_path / name).read_text()
        assert "Traceback" not in log, log[-3000:]
    assert "unreachable" in (tmp_path / "first.log").read_text()  # the warning in the log

