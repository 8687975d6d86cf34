"""With the mail server down, pages still answer as they should and no e-mail is lost (issue 10).

The requests here read and close their responses (``buffered=True``), as a WSGI server does: e-mail a
request committed leaves when its response is closed, after the client has it.
"""

import socket
from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from flask import has_request_context
from sqlalchemy import func, select

from app import mailer
from app.campaigns.jobs import INVITE
from app.extensions import db, mail
from app.jobs import run
from app.models import AccountToken, Invitation, Job, OutboxMessage, TokenPurpose, User
from app.models.base import utcnow
from app.services.mail_outbox import Delivered
from tests.factories import CampaignFactory, FocalPointFactory, InvitationFactory, UserFactory


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nobody listens there once the probe is closed


@pytest.fixture
def mail_down(app, monkeypatch):
    """A real SMTP attempt to a port where nothing listens: connection refused."""
    state = app.extensions["mail"]
    monkeypatch.setattr(state, "suppress", False)
    monkeypatch.setattr(state, "server", "127.0.0.1")
    monkeypatch.setattr(state, "port", _closed_port())
    monkeypatch.setitem(app.config, "MAIL_SUPPRESS_SEND", False)

    def mail_up() -> None:
        monkeypatch.setattr(state, "suppress", True)
        monkeypatch.setitem(app.config, "MAIL_SUPPRESS_SEND", True)

    return mail_up


def _later(monkeypatch, minutes: int) -> None:
    """The clock of `flask mail send`, ``minutes`` on: failed messages have waited their backoff."""
    at = utcnow() + timedelta(minutes=minutes)
    monkeypatch.setattr(mailer, "utcnow", lambda: at)


def _mail_send(app):
    return app.test_cli_runner().invoke(args=["mail", "send"])


def test_creating_a_user_while_mail_is_down_creates_it_and_the_invitation_waits(
        app, browser, mail_down, monkeypatch):
    colleague = UserFactory()
    browser.sign_in_as(FocalPointFactory(country=colleague.country))
    response = browser.post("/admin/users/new", {
        "email": "new.official@example.org", "name": "New Official", "role": "official",
        "organisation": colleague.organisation_id, "country": 0}, buffered=True)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.official@example.org"))
    assert user is not None and response.headers["Location"] == f"/admin/users/{user.id}"
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == user.id))
    assert message.sent_at is None and message.attempts == 1
    assert message.last_error.startswith("ConnectionRefusedError")
    assert message.subject == "You are invited to CapStack"

    status = app.test_cli_runner().invoke(args=["mail", "status"])
    assert "Waiting 1, sent 0, failed 0" in status.output and "ConnectionRefusedError" in status.output
    failing = _mail_send(app)  # still down, but not due yet: nothing tried
    assert failing.exit_code == 0 and "Sent 0, not sent 0" in failing.output

    mail_down()  # the mail server is back
    _later(monkeypatch, 6)
    with mail.record_messages() as outbox:
        result = _mail_send(app)
    assert result.exit_code == 0, result.output
    assert "Sent 1, not sent 0" in result.output
    assert [m.recipients for m in outbox] == [[user.email]]
    assert "/auth/activate/" in outbox[0].body
    assert db.session.get(OutboxMessage, message.id).sent_at is not None
    with mail.record_messages() as again:
        _mail_send(app)
    assert again == []


def test_with_mail_down_a_reset_answers_the_same_for_known_and_unknown_addresses(
        app, client, browser, monkeypatch):
    tried = []

    def refuse(to, subject, body):
        tried.append(has_request_context())
        raise SMTPServerDisconnected("down")

    monkeypatch.setattr(mailer, "smtp_send", refuse)
    user = UserFactory()

    def ask(address: str):
        response = browser.post("/auth/reset", {"email": address}, buffered=True)
        with client.session_transaction() as session:
            flashed = session.pop("_flashes", [])
        return response.status_code, response.headers.get("Location"), flashed

    known, unknown = ask(user.email), ask("nobody@example.org")
    assert known == unknown
    assert known[:2] == (302, "/auth/login")
    assert known[2] == [("success", "If an account uses that address, we have sent it a link to reset "
                                    "the password.")]
    assert tried == [False]  # once, for the known address, and after its response was done
    message = db.session.scalar(select(OutboxMessage))
    assert message.user_id == user.id and message.attempts == 1 and message.sent_at is None
    assert db.session.scalar(select(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == TokenPurpose.RESET)) is not None


def _invite_job(count: int):
    campaign = CampaignFactory()
    invitations = [InvitationFactory(campaign=campaign, user__invited=True) for _ in range(count)]
    job = Job(kind=INVITE, params={"campaign_id": campaign.id, "inviter": "Fatou"})
    db.session.add(job)
    db.session.commit()
    return job, invitations


def test_invitations_sent_while_mail_is_down_keep_their_links_and_go_out_once_later(
        app, mail_down, monkeypatch):
    job, invitations = _invite_job(3)
    with app.app_context():
        run(job.id)
    assert db.session.get(Job, job.id).status == "done"
    users = {i.user_id for i in invitations}
    assert all(db.session.get(Invitation, i.id).emailed_at is not None for i in invitations)
    tokens = db.session.scalars(select(AccountToken.user_id).where(
        AccountToken.purpose == TokenPurpose.INVITE)).all()
    waiting = db.session.scalars(select(OutboxMessage)).all()
    assert sorted(tokens) == sorted(users) and sorted(m.user_id for m in waiting) == sorted(users)
    assert all(m.sent_at is None and m.attempts == 1 for m in waiting)

    mail_down()
    _later(monkeypatch, 6)
    with mail.record_messages() as outbox:
        assert "Sent 3, not sent 0" in _mail_send(app).output
        assert "Sent 0, not sent 0" in _mail_send(app).output
    assert sorted(m.recipients[0] for m in outbox) == sorted(i.user.email for i in invitations)


def test_an_invitation_batch_that_fails_half_way_leaves_no_link_and_no_e_mail(app, monkeypatch):
    from app.auth import mail as account_mail

    job, invitations = _invite_job(3)
    real = account_mail.send_invitation
    calls = []

    def dies_on_the_third(user, inviter, campaign_name=None):
        calls.append(user.id)
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        return real(user, inviter, campaign_name)

    monkeypatch.setattr("app.campaigns.jobs.send_invitation", dies_on_the_third)
    with app.app_context(), mail.record_messages() as outbox:
        run(job.id)
    assert db.session.get(Job, job.id).status == "failed" and outbox == []
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert all(db.session.get(Invitation, i.id).emailed_at is None for i in invitations)

    monkeypatch.setattr("app.campaigns.jobs.send_invitation", real)
    again = Job(kind=INVITE, params=job.params)
    db.session.add(again)
    db.session.commit()
    with app.app_context(), mail.record_messages() as outbox:
        run(again.id)
    assert "Sent 0, not sent 0" in _mail_send(app).output  # the job sent them all itself
    assert sorted(m.recipients[0] for m in outbox) == sorted(i.user.email for i in invitations)


def test_a_mail_server_that_never_answers_times_out_and_the_message_waits(app, mail_down, monkeypatch):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # takes the connection, never greets
        monkeypatch.setattr(app.extensions["mail"], "port", silent.getsockname()[1])
        monkeypatch.setattr(mailer, "SMTP_TIMEOUT", 0.2)
        user = UserFactory()
        mailer.send(user.email, "Hello", "Body")
        db.session.commit()
        with app.app_context():
            assert mailer.deliver_committed() == Delivered(0, 1)
    message = db.session.scalar(select(OutboxMessage))
    assert message.attempts == 1 and message.sent_at is None and "timed out" in message.last_error


def test_mail_send_fails_loudly_while_the_server_refuses(app, mail_down):
    user = UserFactory()
    mailer.send(user.email, "Hello", "Body")
    db.session.commit()
    result = _mail_send(app)
    assert result.exit_code == 1
    assert "Sent 0, not sent 1" in result.output and "flask mail status" in result.output
