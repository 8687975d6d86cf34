"""Fixtures: one app and schema for the run (built by the migrations), one transaction per test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from app.auth.limits import throttle as _throttle
from app.extensions import db, limiter
from app.services.evaluation import memo
from config import INSTANCE_DIR, TestConfig


def sign_in_throttle(app):
    with app.app_context():
        return _throttle()


class _ServerClient(FlaskClient):
    """Reads each response to the end and closes it, as a WSGI server does: work the app does after the
    response (response.call_on_close: sending e-mail) has happened when the test looks."""

    def open(self, *args, buffered=True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


class _TestSession(scoped_session):
    """The session each request uses in tests. A request's end expires it instead of closing it,
    so objects a test holds stay usable and are reloaded from the database on next access."""

    def remove(self) -> None:
        if self.registry.has():
            self.registry().expire_all()
            memo.forget(self.registry())  # as a closed session would: the next request reads afresh


def _reset_schema() -> None:
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.session.remove()
        engine.dispose()
        database = engine.url.database
        if database and database != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(database + suffix).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def app():
    INSTANCE_DIR.mkdir(exist_ok=True)
    application = create_app(TestConfig())
    application.test_client_class = _ServerClient
    with application.app_context():
        _reset_schema()
        upgrade()  # the schema the tests use is the one the migrations build
        db.session.remove()
    return application


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Run each test inside a transaction that is rolled back at the end."""
    if "no_db" in request.keywords:
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = _TestSession(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    )
    limiter.reset()
    sign_in_throttle(app).reset()
    try:
        yield
    finally:
        db.session.registry().close()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


class Browser:
    """A test client that fills in forms the way a browser does, CSRF token included."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, *, token_from: str | None = None, **kwargs):
        page = self.client.get(token_from or url)
        form = {"csrf_token": csrf_from(page.get_data(as_text=True)), **(data or {})}
        return self.client.post(url, data=form, **kwargs)

    def sign_in_as(self, user) -> Browser:
        with self.client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return self


@pytest.fixture
def browser(client):
    return Browser(client)
