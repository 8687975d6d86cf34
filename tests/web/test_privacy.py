"""A person's data for admins (export, erase with confirmation) and on the command line (export, erase,
retention), each audited by the person's id."""

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Feedback, User
from app.models.base import utcnow
from app.services import accounts
from app.services.audit import Actor
from app.services.privacy import registry
from tests.factories import FocalPointFactory, ResourceFactory, UserFactory


@pytest.fixture
def person():
    official = UserFactory(name="Wanjiru Kamau", email="wanjiru@example.org")
    db.session.add(Feedback(user_id=official.id, resource_id=ResourceFactory().id, rating=4, relevance=4,
                            would_recommend=True, comment="Wanjiru Kamau found it useful"))
    db.session.flush()
    return official


def _events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_an_admin_downloads_a_persons_data(browser, person):
    admin = UserFactory(admin=True)
    browser.sign_in_as(admin)
    page = browser.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert f"/admin/users/{person.id}/privacy" in page

    response = browser.post(f"/admin/users/{person.id}/privacy/export",
                            token_from=f"/admin/users/{person.id}/privacy")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    [user] = json.loads(archive.read("tables/users.json"))
    assert (user["name"], user["email"]) == ("Wanjiru Kamau", "wanjiru@example.org")
    assert json.loads(archive.read("tables/feedback.json"))[0]["comment"] == "Wanjiru Kamau found it useful"
    [event] = _events("privacy.export")
    assert (event.actor_id, event.object_id) == (admin.id, str(person.id))


def test_erasing_needs_the_box_ticked_and_the_persons_email(browser, person):
    browser.sign_in_as(UserFactory(admin=True))
    page = f"/admin/users/{person.id}/privacy"

    unticked = browser.post(page + "/erase", {"email": "wanjiru@example.org"}, token_from=page)
    wrong = browser.post(page + "/erase", {"confirm": "y", "email": "someone@example.org"}, token_from=page)

    assert unticked.status_code == 400
    assert "Tick the box to confirm the erasure" in unticked.get_data(as_text=True)
    assert wrong.status_code == 400 and "not the person&#39;s email address" in wrong.get_data(as_text=True)
    assert db.session.get(User, person.id).name == "Wanjiru Kamau" and _events("privacy.erase") == []


def test_an_admin_erases_a_person(browser, person):
    admin = UserFactory(admin=True)
    browser.sign_in_as(admin)
    response = browser.post(f"/admin/users/{person.id}/privacy/erase",
                            {"confirm": "y", "email": " Wanjiru@Example.org "},
                            token_from=f"/admin/users/{person.id}/privacy", follow_redirects=True)

    page = response.get_data(as_text=True)
    assert f"Account {person.id} is erased" in page and "This account has been erased" in page
    erased = db.session.get(User, person.id)
    assert (erased.name, erased.email, erased.active) == (registry.ERASED_NAME,
                                                          registry.erased_email(person.id), False)
    assert db.session.scalar(select(Feedback.comment).where(Feedback.user_id == person.id)) == ""
    [event] = _events("privacy.erase")
    assert (event.actor_id, event.object_id) == (admin.id, str(person.id))
    assert "wanjiru" not in json.dumps(event.details).lower()


def test_only_admins_see_a_persons_data(browser, person):
    browser.sign_in_as(FocalPointFactory(country=person.country))
    assert browser.get(f"/admin/users/{person.id}/privacy").status_code == 403
    assert "/privacy" not in browser.get(f"/admin/users/{person.id}").get_data(as_text=True)


def test_the_command_line_exports_and_erases_and_a_second_erase_changes_nothing(app, person, tmp_path):
    evidence = Path(app.instance_path) / "evidence" / str(person.id)
    evidence.mkdir(parents=True, exist_ok=True)
    (evidence / "proof.png").write_bytes(b"\x89PNG\r\n\x1a\nWanjiru")
    runner = app.test_cli_runner()
    try:
        out = tmp_path / "export.zip"
        exported = runner.invoke(args=["privacy", "export", "wanjiru@example.org", "--out", str(out)])
        assert exported.exit_code == 0, exported.output
        assert zipfile.ZipFile(out).read("evidence/proof.png").endswith(b"Wanjiru")

        first = runner.invoke(args=["privacy", "erase", "wanjiru@example.org", "--yes"])
        second = runner.invoke(args=["privacy", "erase", "wanjiru@example.org", "--yes"])
    finally:
        if evidence.exists():
            for path in evidence.iterdir():
                path.unlink()
            evidence.rmdir()

    assert first.exit_code == 0 and f"Erased account {person.id}" in first.output
    assert "1 files" in first.output
    assert second.exit_code == 0 and "nothing to erase" in second.output
    assert db.session.get(User, person.id).email == registry.erased_email(person.id)
    assert len(_events("privacy.erase")) == 1 and len(_events("privacy.export")) == 1
    assert all(event.actor_id is None and event.object_id == str(person.id)
               for event in _events("privacy.erase") + _events("privacy.export"))


def test_retention_erases_accounts_deactivated_longer_than_the_setting(app, monkeypatch):
    admin = UserFactory(admin=True)
    long_ago, lately, never = (UserFactory(name=name) for name in ("Long Ago", "Lately", "Still Active"))
    for user, days in ((long_ago, 40), (lately, 10)):
        accounts.set_active(db.session, Actor(admin), user, False)
        db.session.flush()
        _events("user.deactivate")[-1].at = utcnow() - timedelta(days=days)
    db.session.flush()
    runner = app.test_cli_runner()

    off = runner.invoke(args=["privacy", "retention"])
    monkeypatch.setitem(app.config, "ERASE_DEACTIVATED_AFTER_DAYS", 30)
    on = runner.invoke(args=["privacy", "retention"])

    assert off.exit_code == 0 and "not set" in off.output
    assert on.exit_code == 0 and f"Erased 1 accounts deactivated more than 30 days ago: {long_ago.id}." \
        in on.output
    names = {user.id: db.session.get(User, user.id).name for user in (long_ago, lately, never)}
    assert names == {long_ago.id: registry.ERASED_NAME, lately.id: "Lately", never.id: "Still Active"}
