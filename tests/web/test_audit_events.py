"""What the audit log records: sign-ins, failed sign-ins, resets, link uses, re-invitations, staff
downloads of evidence; personal data referenced by id; and `flask audit verify` on the chain."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import select, text

from app.extensions import db, mail
from app.models import AuditEvent, Progress
from app.services import audit
from tests.factories import PASSWORD, FocalPointFactory, OrganisationFactory, ResourceFactory, UserFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def _events(action: str | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    return list(db.session.scalars(stmt.where(AuditEvent.action == action) if action else stmt))


def _dump(event: AuditEvent) -> str:
    return json.dumps([event.object_type, event.object_id, event.details])


def _login(browser, email, password):
    return browser.post("/auth/login", {"email": email, "password": password})


def _link_in(message) -> str:
    return re.search(r"http://localhost(/auth/\S+)", message.body).group(1)


# Signing in ----------------------------------------------------------------------------------------------

def test_a_sign_in_is_recorded_against_the_account(browser):
    user = UserFactory()
    assert _login(browser, user.email, PASSWORD).status_code == 302
    [event] = _events("auth.sign_in")
    assert (event.actor_id, event.object_type, event.object_id) == (user.id, "User", str(user.id))
    assert event.country_id == user.country_id and event.ip == "127.0.0.1"


def test_a_failed_sign_in_names_the_account_by_id_and_never_the_password(browser):
    user = UserFactory()
    assert _login(browser, user.email, "the wrong passphrase").status_code == 401
    [event] = _events("auth.sign_in_failed")
    assert (event.actor_id, event.object_type, event.object_id) == (None, "User", str(user.id))
    assert "wrong passphrase" not in _dump(event) and user.email not in _dump(event)


def test_a_failed_sign_in_for_an_unknown_address_keeps_only_a_digest_of_it(browser):
    assert _login(browser, "Nobody.Here@example.org", "some passphrase").status_code == 401
    [event] = _events("auth.sign_in_failed")
    assert event.object_type == "SignIn" and len(event.object_id) == 32
    assert "nobody" not in _dump(event).lower() and not EMAIL.search(_dump(event))
    _login(browser, "nobody.here@example.org", "another passphrase")
    assert {e.object_id for e in _events("auth.sign_in_failed")} == {event.object_id}  # same address


# Links ---------------------------------------------------------------------------------------------------

def test_a_reset_is_recorded_when_asked_for_and_when_used(browser):
    user = UserFactory()
    with mail.record_messages() as outbox:
        browser.post("/auth/reset", {"email": user.email})
    assert [e.object_id for e in _events("auth.password_reset_requested")] == [str(user.id)]
    new = "a completely new passphrase"
    assert browser.post(_link_in(outbox[0]), {"password": new, "confirm": new}).status_code == 302
    [event] = _events("auth.password_reset")
    assert (event.actor_id, event.object_id, event.details) == (user.id, str(user.id), {"purpose": "reset"})


def test_using_an_invitation_link_and_re_inviting_are_recorded(browser):
    official = UserFactory(invited=True)
    focal = FocalPointFactory(country=official.country)
    browser.sign_in_as(focal)
    with mail.record_messages() as outbox:
        response = browser.post(f"/admin/users/{official.id}/invite", token_from="/")
    assert response.status_code == 302
    [event] = _events("user.reinvite")
    assert (event.actor_id, event.object_id, event.country_id) == (focal.id, str(official.id),
                                                                   official.country_id)
    browser.post("/auth/logout", token_from="/")
    new = "a completely new passphrase"
    assert browser.post(_link_in(outbox[0]), {"password": new, "confirm": new}).status_code == 302
    [used] = _events("auth.link_used")
    assert (used.actor_id, used.object_id, used.details) == (official.id, str(official.id),
                                                             {"purpose": "invite"})


# Evidence ------------------------------------------------------------------------------------------------

@pytest.fixture
def evidence_dir(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "evidence"


def test_a_staff_download_of_evidence_is_recorded_and_the_owners_own_is_not(browser, evidence_dir):
    resource = ResourceFactory()
    official = UserFactory()
    browser.sign_in_as(official)
    browser.post(f"/learn/resources/{resource.id}/progress",
                 {"status": "started", "evidence_file": (io.BytesIO(PNG), "certificate.png")},
                 content_type="multipart/form-data")
    progress = db.session.scalar(select(Progress).where(Progress.user_id == official.id))
    with browser.get(f"/learn/evidence/{progress.id}") as response:
        assert response.status_code == 200
    assert _events("evidence.download") == []
    focal = FocalPointFactory(country=official.country)
    browser.sign_in_as(focal)
    with browser.get(f"/learn/evidence/{progress.id}") as response:
        assert response.status_code == 200 and response.data == PNG
    [event] = _events("evidence.download")
    assert (event.actor_id, event.object_type, event.object_id) == (focal.id, "Progress", str(progress.id))
    assert event.country_id == official.country_id and event.details == {"user_id": official.id}


# Personal data by id -------------------------------------------------------------------------------------

def test_no_audit_detail_holds_an_e_mail_after_creating_and_inviting_people(browser):
    org = OrganisationFactory()
    browser.sign_in_as(UserFactory(admin=True))
    with mail.record_messages():
        browser.post("/admin/users/new", {"email": "chief@example.org", "name": "Amina Chief",
                                          "role": "official", "organisation": org.id, "country": 0})
        official = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
        browser.post(f"/admin/users/{official.object_id}/invite", token_from="/")
    events = _events()
    assert {"user.create", "user.reinvite"} <= {e.action for e in events}
    for event in events:
        assert not EMAIL.search(_dump(event)) and "Amina" not in _dump(event), event


# flask audit verify --------------------------------------------------------------------------------------

def _three_events() -> list[AuditEvent]:
    org = OrganisationFactory()
    return [audit.record(db.session, audit.SYSTEM, "test.step", org, details={"n": n}) for n in range(3)]


def test_verify_passes_on_a_fresh_chain(app):
    _three_events()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"{len(_events())} events, chain intact" in result.output


def test_verify_fails_after_details_are_edited_by_hand(app):
    events = _three_events()
    db.session.commit()
    db.session.execute(text("UPDATE audit_events SET details = '{\"n\": 7}' WHERE id = :id"),
                       {"id": events[1].id})
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"broken at event {events[1].id}" in result.output and "content was changed" in result.output


def test_verify_fails_after_a_row_is_deleted(app):
    events = _three_events()
    db.session.commit()
    db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[1].id})
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"broken at event {events[2].id}" in result.output and "deleted" in result.output


def _head(app) -> str:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    return result.output.strip().rsplit("; head ", 1)[1]


def test_the_head_printed_by_verify_finds_events_deleted_from_the_end(app):
    _three_events()
    db.session.commit()
    head = _head(app)
    last_id = int(head.split(":")[0])
    assert head.split(":")[1] == db.session.get(AuditEvent, last_id).hash
    assert app.test_cli_runner().invoke(args=["audit", "verify", "--head", head]).exit_code == 0
    db.session.execute(text("DELETE FROM audit_events WHERE id >= :id"), {"id": last_id - 1})
    plain = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert plain.exit_code == 0  # the rest of the chain holds: without the head this cannot be seen
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--head", head])
    assert result.exit_code == 1
    assert f"broken at event {last_id}" in result.output and "deleted from the end" in result.output


def test_a_head_whose_event_was_rewritten_is_found(app):
    events = _three_events()
    db.session.commit()
    head = _head(app)
    forged = f"{events[-1].id}:{'0' * 64}"
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--head", forged])
    assert result.exit_code == 1 and "not the one recorded as the head" in result.output
    assert app.test_cli_runner().invoke(args=["audit", "verify", "--head", head]).exit_code == 0


@pytest.mark.parametrize("bad", ["12", "x:" + "a" * 64, "١٢:" + "a" * 64, "12:abc"])
def test_a_malformed_head_is_a_usage_error(app, bad):
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--head", bad])
    assert result.exit_code == 2 and "EVENT_ID:HASH" in result.output
