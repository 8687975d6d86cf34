"""REDIS_URL set and Redis down: sign-in and reset still work (limits counted in memory), /healthz says so,
and background actions are refused with a clear page before anything is written (no counter bumped, no
audit event, no account, no job left queued), or run inline when Redis goes away after the check."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from app import create_app, jobs
from app.extensions import db, limiter
from app.models import AuditEvent, Invitation, InviteFile, Job, User
from config import TestConfig
from tests.conftest import Browser
from tests.factories import PASSWORD, FocalPointFactory, InvitationFactory, UserFactory
from tests.unit.test_campaigns_service import make_campaign
from tests.web.servers import free_port

REFUSED = "This cannot be done right now"



@pytest.fixture
def redis_down(app):
    """The test app's database, with REDIS_URL pointing at a port where nothing listens."""
    config = TestConfig()
    config.REDIS_URL = config.RATELIMIT_STORAGE_URI = f"redis://127.0.0.1:{free_port()}/0"
    config.RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    kept = dict(limiter.__dict__)  # Flask-Limiter keeps its storage on the one extension object
    application = create_app(config)
    application.test_client_class = app.test_client_class
    yield application
    limiter.__dict__.clear()
    limiter.__dict__.update(kept)  # the other tests' app: its memory storage again


@pytest.fixture
def browser(redis_down):
    return Browser(redis_down.test_client())


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_sign_in_works_and_is_still_limited_with_a_warning_in_the_log(browser, caplog):
    user = UserFactory()
    with caplog.at_level(logging.WARNING):
        response = browser.post("/auth/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302 and response.headers["Location"] == "/"
        browser.post("/auth/logout", token_from="/")
        codes = [browser.post("/auth/login", {"email": user.email, "password": "wrong"}).status_code
                 for _ in range(6)]
    assert codes == [401] * 5 + [429]
    assert "unreachable" in caplog.text and "memory" in caplog.text


def test_a_password_reset_request_is_answered_as_usual(browser):
    response = browser.post("/auth/reset", {"email": UserFactory().email})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"


def test_healthz_reports_redis_down_and_stays_200(browser, client):
    body = browser.get("/healthz").get_json()
    assert body == {"status": "degraded", "database": "ok", "redis": "down"}
    assert browser.get("/healthz").status_code == 200
    assert client.get("/healthz").get_json()["redis"] == "not configured"  # the usual test app


def _nothing_written(before: dict) -> None:
    assert {model: _count(model) for model in before} == before


def test_reminders_are_refused_before_anything_is_counted(browser):
    campaign = make_campaign()
    invitations = [InvitationFactory(campaign=campaign) for _ in range(3)]
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    db.session.commit()  # the test's data stays when the refused request rolls back
    before = {model: _count(model) for model in (AuditEvent, Job)}
    for _ in range(2):  # and a retry changes nothing either
        response = browser.post(f"/campaigns/{campaign.id}/remind",
                                headers={"Referer": f"http://localhost/campaigns/{campaign.id}"})
        page = response.get_data(as_text=True)
        assert response.status_code == 503 and REFUSED in page and "Nothing has been saved or sent" in page
        assert f'href="/campaigns/{campaign.id}"' in page
    _nothing_written(before)
    assert [db.session.get(Invitation, i.id).reminders for i in invitations] == [0, 0, 0]


def test_an_invitation_import_is_refused_before_any_account_is_written(browser):
    campaign = make_campaign()
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    text = "email,name,organisation\n" + "".join(
        f"p{i}@example.org,Person {i},{campaign.organisations[0].organisation.name}\n" for i in range(5))
    from tests.web.test_campaigns import _upload

    staged_at = _upload(browser, campaign, text).headers["Location"]
    staged = db.session.scalar(select(InviteFile))
    before = {model: _count(model) for model in (User, Invitation, AuditEvent, Job)}
    response = browser.post(f"/campaigns/{campaign.id}/invite-files/{staged.id}/import", token_from=staged_at)
    assert response.status_code == 503 and REFUSED in response.get_data(as_text=True)
    _nothing_written(before)


@pytest.mark.parametrize("url", ["/evaluation/follow-ups/send", "/catalogue/links/check"])
def test_other_background_actions_are_refused_too(browser, url):
    browser.sign_in_as(UserFactory(admin=True))
    before = {Job: _count(Job)}
    response = browser.post(url, token_from="/")
    assert response.status_code == 503 and REFUSED in response.get_data(as_text=True)
    _nothing_written(before)


def test_when_redis_goes_away_after_the_check_the_job_runs_inline(browser, monkeypatch, caplog):
    campaign = make_campaign()
    InvitationFactory(campaign=campaign)
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    monkeypatch.setattr(jobs, "queue_state", lambda: "ok")  # it answered the check, then went away
    with caplog.at_level(logging.WARNING, logger="capstack.jobs"):
        response = browser.post(f"/campaigns/{campaign.id}/remind", follow_redirects=True)
    assert "Done: 1 of 1" in response.get_data(as_text=True)
    job = db.session.scalar(select(Job).where(Job.kind == "campaigns.remind"))
    assert job.status == "done" and "running it inline" in caplog.text
