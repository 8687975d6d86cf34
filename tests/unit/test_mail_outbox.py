"""The mail outbox: written in the caller's transaction, sent after it commits, retried with backoff."""

from datetime import timedelta
from smtplib import SMTPServerDisconnected

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from app import mailer
from app.extensions import db, mail
from app.models import AccountToken, Base, OutboxMessage, User
from app.models.base import utcnow
from app.services import mail_outbox
from app.services.audit import Actor
from app.services.mail_outbox import MAX_ATTEMPTS, Delivered
from app.services.privacy.erase import erase
from app.services.privacy.export import person_rows
from tests.factories import UserFactory


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


class _Server:
    """A send function standing in for SMTP: down (raising) or up (recording)."""

    def __init__(self, down: bool = False) -> None:
        self.down, self.sent = down, []

    def __call__(self, to: str, subject: str, body: str) -> None:
        if self.down:
            raise SMTPServerDisconnected("Connection unexpectedly closed " + "x" * 1000)
        self.sent.append((to, subject, body))


def test_a_transaction_that_rolls_back_after_sending_sends_nothing_and_leaves_no_row(app):
    user = UserFactory()
    db.session.commit()
    with app.app_context(), mail.record_messages() as sent:
        mailer.send(user.email, "Hello", "A body")
        db.session.flush()
        db.session.rollback()
        assert sent == []
        db.session.commit()  # a later transaction commits: the rolled-back message is not part of it
        assert mailer.deliver_committed() == Delivered(0, 0)
        assert mailer.deliver_due() == Delivered(0, 0)
    assert sent == [] and _count(OutboxMessage) == 0


def test_a_reset_link_that_rolls_back_leaves_no_token_and_sends_nothing(app):
    from app.auth.mail import send_reset_link

    user = UserFactory()
    db.session.commit()
    with app.test_request_context(), mail.record_messages() as sent:
        send_reset_link(user)  # used to commit the token and send at once
        db.session.rollback()
        assert sent == []
        assert db.session.scalar(select(AccountToken).where(AccountToken.user_id == user.id)) is None
        mailer.deliver_due()
    assert sent == [] and _count(OutboxMessage) == 0


def test_a_committed_message_is_sent_once_and_marked_sent(app):
    user = UserFactory()
    server, now = _Server(), utcnow()
    message = mail_outbox.add(db.session, user.email, "Hello", "A body")
    db.session.commit()
    ids = mail_outbox.take_committed(db.session)
    assert ids == [message.id] and mail_outbox.take_committed(db.session) == []
    assert mail_outbox.deliver(db.session, ids, server, now) == Delivered(1, 0)
    assert mail_outbox.deliver(db.session, ids, server, now) == Delivered(0, 0)
    assert mail_outbox.deliver(db.session, None, server, now) == Delivered(0, 0)
    assert server.sent == [(user.email, "Hello", "A body")]
    stored = db.session.get(OutboxMessage, message.id)
    assert stored.sent_at == now and stored.attempts == 1 and stored.last_error is None
    assert stored.user_id == user.id  # found by address: privacy export and erasure rely on it


def test_a_failed_message_waits_with_growing_delays_then_is_given_up_but_kept(app):
    user = UserFactory()
    down, now = _Server(down=True), utcnow()
    message = mail_outbox.add(db.session, user.email, "Hello", "A body", user.id)
    db.session.commit()
    assert mail_outbox.deliver(db.session, mail_outbox.take_committed(db.session), down, now) == \
        Delivered(0, 1)
    stored = db.session.get(OutboxMessage, message.id)
    assert stored.attempts == 1 and stored.sent_at is None
    assert stored.last_error.startswith("SMTPServerDisconnected: Connection unexpectedly closed")
    assert len(stored.last_error) == 500
    assert stored.next_attempt_at == now + timedelta(minutes=5)

    assert mail_outbox.deliver(db.session, None, down, now + timedelta(minutes=4)) == Delivered(0, 0)
    delays = []
    for _ in range(MAX_ATTEMPTS - 1):
        due = stored.next_attempt_at
        assert mail_outbox.deliver(db.session, None, down, due) == Delivered(0, 1)
        stored = db.session.get(OutboxMessage, message.id)
        delays.append(stored.next_attempt_at - due if stored.next_attempt_at else None)
        now = due
    minutes = [int(d.total_seconds() // 60) for d in delays[:-1]]
    assert minutes == [10, 20, 40, 80, 160, 320, 360, 360]  # doubling, at most six hours
    assert delays[-1] is None and stored.attempts == MAX_ATTEMPTS  # given up
    assert mail_outbox.deliver(db.session, None, down, now + timedelta(days=30)) == Delivered(0, 0)
    assert mail_outbox.deliver(db.session, [message.id], _Server(), now) == Delivered(0, 0)
    assert mail_outbox.status(db.session) == mail_outbox.Status(
        waiting=0, sent=0, failed=1, last_error=stored.last_error)

    assert mail_outbox.retry_failed(db.session) == 1
    up = _Server()
    assert mail_outbox.deliver(db.session, None, up, now) == Delivered(1, 0)
    assert len(up.sent) == 1


def test_a_message_another_sender_has_claimed_is_not_sent_twice(app):
    user = UserFactory()
    message = mail_outbox.add(db.session, user.email, "Hello", "A body", user.id)
    db.session.commit()
    ids, now = mail_outbox.take_committed(db.session), utcnow()
    server = _Server()

    def cron_meanwhile(to: str, subject: str, body: str) -> None:
        # While this one is being sent, cron's `flask mail send` runs: the message is not due for it.
        assert mail_outbox.deliver(db.session, None, server, now) == Delivered(0, 0)
        server(to, subject, body)

    assert mail_outbox.deliver(db.session, ids, cron_meanwhile, now) == Delivered(1, 0)
    assert len(server.sent) == 1 and db.session.get(OutboxMessage, message.id).sent_at == now


def test_sent_messages_are_deleted_after_the_days_kept(app):
    user = UserFactory()
    now = utcnow()
    old, recent, waiting = (mail_outbox.add(db.session, user.email, s, "Body", user.id)
                            for s in ("Old", "Recent", "Waiting"))
    old.sent_at, recent.sent_at = now - timedelta(days=31), now - timedelta(days=29)
    db.session.commit()
    assert mail_outbox.delete_sent(db.session, 30, now) == 1
    assert set(db.session.scalars(select(OutboxMessage.subject))) == {"Recent", "Waiting"}


def test_erasure_deletes_the_persons_messages_and_cuts_them_out_of_others(app):
    person = UserFactory(name="Amara Person", email="amara@example.org")
    manager = UserFactory(name="Mona Manager")
    admin = UserFactory(admin=True)
    mail_outbox.add(db.session, person.email, "Your link", "Hello Amara Person, your link")
    mail_outbox.add(db.session, manager.email, "Please review the assessment of Amara Person",
                    "Hello Mona Manager,\n\nAmara Person (amara@example.org) asks you to review it.")
    db.session.flush()
    exported = person_rows(db.session, person.id)["outbox_messages"]
    assert [row["subject"] for row in exported] == ["Your link"]
    assert exported[0]["to_address"] == person.email and exported[0]["body"].startswith("Hello Amara")

    erase(db.session, Actor(admin), person, evidence_dir=None)
    remaining = db.session.scalars(select(OutboxMessage)).all()
    assert [m.to_address for m in remaining] == [manager.email]
    assert remaining[0].subject == "Please review the assessment of [erased]"
    assert "Amara" not in remaining[0].body and "amara@" not in remaining[0].body
    assert db.session.get(User, person.id).email.endswith("@erased.invalid")


def test_the_migration_builds_the_outbox_table_as_the_model_declares_it(app):
    context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    differences = [d for d in compare_metadata(context, Base.metadata) if "outbox_messages" in repr(d)]
    assert differences == []
