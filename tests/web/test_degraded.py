"""Degraded modes: a session that has ended, a database that is down or busy, a commit that fails.
None of them may cost an official an answer or a file, or show the bare "Internal Server Error"."""

from __future__ import annotations

import io
import re
import threading
import urllib.error

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app import create_app
from app.extensions import db
from app.models import Answer, Progress
from app.models.base import utcnow
from app.services.assessment import taking
from config import TestConfig
from tests.conftest import csrf_from
from tests.factories import (
    PASSWORD,
    CampaignFactory,
    InvitationFactory,
    ResourceFactory,
    UserFactory,
    make_framework,
    make_instrument,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64
FRIENDLY = "Sorry, there is a problem with the service"


# A session that has ended: JSON callers get 401 JSON, never the login page ---------------------------

@pytest.fixture
def attempt():
    framework = make_framework(competencies=1)
    invitation = InvitationFactory(campaign=CampaignFactory(instrument=make_instrument(framework)))
    return taking.start(db.session, invitation.user, invitation.campaign_id, utcnow())


def _end_session(how: str, browser, user) -> None:
    if how == "signed out in another tab":  # the same cookie: logging out empties it, CSRF token and all
        assert browser.post("/auth/logout", token_from="/assess/").status_code == 302
    elif how == "deactivated":
        user.active = False
        db.session.flush()
    else:  # the session's time limit: the browser drops the cookie
        browser.client.delete_cookie("session")


@pytest.mark.parametrize("how", ["signed out in another tab", "deactivated", "time limit"])
def test_autosave_after_the_session_ended_is_a_401_in_json_not_the_login_page(browser, attempt, how):
    page = f"/assess/attempts/{attempt.id}/sections/1"
    browser.sign_in_as(attempt.user)
    token = csrf_from(browser.get(page).get_data(as_text=True))
    _end_session(how, browser, attempt.user)
    response = browser.client.post(
        f"/assess/attempts/{attempt.id}/answers", json={"item": 1, "value": "a"},
        headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 401 and response.is_json and "Location" not in response.headers
    body = response.get_json()
    assert body["saved"] is False and body["signed_in"] is False
    assert body["login_url"] == "/auth/login" and "sign in again" in body["error"]
    assert db.session.scalar(select(Answer).where(Answer.attempt_id == attempt.id)) is None


def test_a_signed_in_autosave_without_its_csrf_token_is_still_refused_as_such(browser, attempt):
    browser.sign_in_as(attempt.user)
    browser.get(f"/assess/attempts/{attempt.id}/sections/1")
    response = browser.client.post(f"/assess/attempts/{attempt.id}/answers", json={"item": 1, "value": "a"},
                                   headers={"Accept": "application/json"})
    assert response.status_code == 400


def test_a_page_request_after_the_session_ended_still_goes_to_the_login_page(client, attempt):
    response = client.get(f"/assess/attempts/{attempt.id}/sections/1", headers={"Accept": "text/html"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


# The database is down: the friendly 500 page, without the database --------------------------------

@pytest.fixture
def app_without_database(tmp_path):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'no-such-folder' / 'capstack.sqlite'}"
    application = create_app(config)
    yield application
    with application.app_context():
        db.engine.dispose()


def _signed_in(application):
    client = application.test_client()
    with client.session_transaction() as session:  # a signed-in official's cookie
        session["_user_id"] = "some-session-token"
        session["_fresh"] = True
    return client


@pytest.mark.no_db
@pytest.mark.parametrize("path", ["/assess/", "/learn/", "/"])
def test_when_the_database_is_down_pages_show_the_friendly_500_page(app_without_database, path):
    response = _signed_in(app_without_database).get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert FRIENDLY in page and "CapStack" in page and 'lang="en"' in page
    assert response.headers["Content-Security-Policy"]  # the usual headers, so the layout still applies


@pytest.mark.no_db
def test_when_the_database_is_down_a_missing_page_is_still_a_friendly_page(app_without_database):
    response = _signed_in(app_without_database).get("/no/such/page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "Page not found" in page and "CapStack" in page


@pytest.mark.no_db
def test_if_the_error_page_itself_cannot_render_a_plain_friendly_page_is_sent(app_without_database,
                                                                               monkeypatch):
    import app.errors

    def broken(*_args, **_kwargs):
        raise RuntimeError("template loader broken")

    monkeypatch.setattr(app.errors, "render_template", broken)
    response = _signed_in(app_without_database).get("/assess/")
    assert response.status_code == 500 and FRIENDLY in response.get_data(as_text=True)


# A failing commit leaves the evidence file the database names ---------------------------------------

@pytest.fixture
def evidence_dir(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "evidence"


def _upload(browser, resource, content):
    return browser.post(f"/learn/resources/{resource.id}/progress",
                        {"status": "started", "evidence_file": (io.BytesIO(content), "certificate.png")},
                        content_type="multipart/form-data")


def test_replacing_evidence_keeps_the_old_file_when_the_commit_fails(browser, evidence_dir, monkeypatch):
    resource, official = ResourceFactory(), UserFactory()
    browser.sign_in_as(official)
    assert _upload(browser, resource, PNG).status_code == 302
    old = db.session.scalar(select(Progress.evidence_file).where(Progress.user_id == official.id))
    folder = evidence_dir / str(official.id)

    def failing_commit():
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    response = _upload(browser, resource, PNG + b"new")
    assert response.status_code == 500 and FRIENDLY in response.get_data(as_text=True)
    monkeypatch.undo()

    assert db.session.scalar(select(Progress.evidence_file).where(Progress.user_id == official.id)) == old
    assert (folder / old).read_bytes() == PNG
    assert [path.name for path in folder.iterdir()] == [old]  # the new file went with the transaction


def test_replacing_evidence_deletes_the_old_file_once_committed(browser, evidence_dir):
    resource, official = ResourceFactory(), UserFactory()
    browser.sign_in_as(official)
    _upload(browser, resource, PNG)
    old = db.session.scalar(select(Progress.evidence_file).where(Progress.user_id == official.id))
    assert _upload(browser, resource, PNG + b"new").status_code == 302
    new = db.session.scalar(select(Progress.evidence_file).where(Progress.user_id == official.id))
    folder = evidence_dir / str(official.id)
    assert new != old and [path.name for path in folder.iterdir()] == [new]
    assert (folder / new).read_bytes() == PNG + b"new"


# The default SQLite under ordinary concurrency: two tabs autosaving while the official signs in 30 times
# and an admin downloads dashboard exports (each a GET that records an audit event) -------------------

def _add_admin(database) -> str:
    from config import Config

    config = Config()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"
    application = create_app(config)
    with application.app_context():
        email = UserFactory(admin=True).email
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return email


@pytest.mark.no_db
def test_sign_ins_and_exports_do_not_fail_while_two_tabs_autosave_on_sqlite(tmp_path):
    from tests.web import test_assess_restart as real

    database = tmp_path / "busy.sqlite"
    data = real._build_database(database)
    admin_email = _add_admin(database)
    server = real.Server(database, tmp_path / "server.log")
    errors: list[str] = []
    saves = downloads = 0

    def sign_in(email: str = data["email"]) -> real.Client:
        client = real.Client()
        client.base = server.base
        client.get("/auth/login")
        url, _page = client.post("/auth/login", {"email": email, "password": PASSWORD})
        if url != "/":
            errors.append(f"sign-in ended on {url}")
        return client

    def exports(client: real.Client, stop: threading.Event) -> None:
        nonlocal downloads
        while not stop.is_set():
            for name in ("levels.csv", "participation.csv", "countries.csv"):
                try:
                    client.get(f"/dashboard/export/{name}")
                except urllib.error.URLError as exc:
                    errors.append(f"export {name}: {exc}")
                else:
                    downloads += 1

    def tab(client: real.Client, attempt: str, item: int, values: str, stop: threading.Event) -> None:
        nonlocal saves
        while not stop.is_set():
            for value in values:
                try:
                    saved = client.post_json(f"{attempt}/answers", {"item": item, "value": value})["saved"]
                except (urllib.error.URLError, ValueError) as exc:
                    errors.append(f"autosave: {exc}")
                else:
                    saves += saved

    stop, tabs = threading.Event(), []
    try:
        official = sign_in()
        url, _page = official.post(f"/assess/campaigns/{data['campaign']}/start", {})
        attempt = re.match(r"(/assess/attempts/\d+)/sections/1$", url).group(1)
        items = data["items"]
        tabs = [threading.Thread(target=tab, args=(official, attempt, items[f"{data['competency']}-{code}"],
                                                   values, stop))
                for code, values in (("self", "123"), ("k1", "abc"))]
        tabs.append(threading.Thread(target=exports, args=(sign_in(admin_email), stop)))
        for thread in tabs:
            thread.start()
        for _ in range(30):
            try:
                sign_in()
            except urllib.error.URLError as exc:
                errors.append(f"sign-in: {exc}")
    finally:
        stop.set()
        for thread in tabs:
            thread.join(timeout=30)
        server.kill()
    log = (tmp_path / "server.log").read_text()
    assert errors == [] and "database is locked" not in log
    assert saves > 30 and downloads > 30  # the tabs really were saving, the admin downloading, all along
