"""E-mail written in the transaction that needs it, and sent only once that transaction has committed.

``add`` puts an OutboxMessage row in the caller's session: the account token a message carries and the
message itself commit together or not at all, and a transaction that rolls back sends nothing. When it
commits, the message's id moves to a list that ``take_committed`` hands over, and ``deliver`` sends
them (after the response, for a web request; after each batch, in a job). A message whose sending
fails stays in the table and is tried again with growing delays (``flask mail send``, from cron) until
``MAX_ATTEMPTS``; then it stays, marked failed, for an operator to see.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from app.models import OutboxMessage, User
from app.models.outbox import LAST_ERROR_LENGTH
from app.services.outbox import Committed

log = logging.getLogger("capstack.mail")

Send = Callable[[str, str, str], None]  # (to, subject, body); raises when the message did not leave

MAX_ATTEMPTS = 10
FIRST_DELAY = timedelta(minutes=5)  # then doubling: 5, 10, 20 minutes... (about a day in all)
LONGEST_DELAY = timedelta(hours=6)

_MESSAGES = Committed("mail_outbox")  # the same bookkeeping as the jobs' outbox


def add(session: Session, to: str, subject: str, body: str, user_id: int | None = None) -> OutboxMessage:
    """Add a message to the session's transaction; it is sent after, and only if, that commits.

    A message to an address that has an account is always tied to it (privacy export and erasure find
    messages by ``user_id``), whether or not the caller says whose address it is.
    """
    if user_id is None:
        user_id = session.scalar(select(User.id).where(User.email == to.strip().lower()))
    message = OutboxMessage(to_address=to, subject=subject, body=body, user_id=user_id, attempts=0)
    _MESSAGES.add(session, message)
    return message


def take_committed(session: Session) -> list[int]:
    """The ids of messages added through ``add`` whose transaction has committed since the last call."""
    return _MESSAGES.take(session)


def backoff(attempts: int) -> timedelta:
    """How long to wait before trying again a message that has failed ``attempts`` times."""
    return min(FIRST_DELAY * 2 ** (attempts - 1), LONGEST_DELAY)


@dataclass(frozen=True)
class Delivered:
    sent: int = 0
    failed: int = 0


def _unsent(ids: Iterable[int] | None, now: datetime):
    stmt = select(OutboxMessage.id, OutboxMessage.attempts).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
    if ids is not None:
        return stmt.where(OutboxMessage.id.in_(list(ids)))
    return stmt.where(or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))


def _claim(session: Session, message_id: int, attempts: int, now: datetime) -> bool:
    """Count the attempt before sending, so that two senders (the request that wrote the message and
    ``flask mail send`` from cron) never both send it: only the one whose update matched goes on. Should
    the process die while sending, the message is due again after the backoff."""
    claimed = session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None),
                                    OutboxMessage.attempts == attempts)
        .values(attempts=attempts + 1, next_attempt_at=now + backoff(attempts + 1))).rowcount
    session.commit()
    return claimed == 1


def deliver(session: Session, ids: Iterable[int] | None, send: Send, now: datetime) -> Delivered:
    """Send the unsent messages among ``ids`` (or, with None, every one that is due), committing each;
    call it with nothing of the caller's left uncommitted.

    A failure to send never raises: it is logged and stored on the message, which is tried again after
    ``backoff`` until it has failed ``MAX_ATTEMPTS`` times.
    """
    ids = None if ids is None else list(ids)
    if ids == []:
        return Delivered()
    sent = failed = 0
    for message_id, attempts in session.execute(_unsent(ids, now).order_by(OutboxMessage.id)).all():
        if not _claim(session, message_id, attempts, now):
            continue
        message = session.get(OutboxMessage, message_id)
        try:
            send(message.to_address, message.subject, message.body)
        except Exception as exc:  # noqa: BLE001 - whatever the mail server did, the message waits
            _failed(session, message_id, exc)
            failed += 1
        else:
            message.sent_at, message.next_attempt_at, message.last_error = now, None, None
            sent += 1
        session.commit()
    return Delivered(sent, failed)


def _failed(session: Session, message_id: int, exc: Exception) -> None:
    message = session.get(OutboxMessage, message_id)
    message.last_error = f"{type(exc).__name__}: {exc}"[:LAST_ERROR_LENGTH]
    if message.attempts >= MAX_ATTEMPTS:
        message.next_attempt_at = None
        log.error("e-mail %s not sent after %s attempts, given up: %s", message_id, message.attempts,
                  message.last_error)
    else:
        log.warning("e-mail %s not sent (attempt %s), tried again later: %s", message_id,
                    message.attempts, message.last_error)


@dataclass(frozen=True)
class Status:
    waiting: int
    sent: int
    failed: int
    last_error: str | None  # of the unsent message tried most recently


def status(session: Session) -> Status:
    """How many messages wait to be sent (some after failures), have been sent, have been given up on."""
    unsent = OutboxMessage.sent_at.is_(None)
    count = select(func.count()).select_from(OutboxMessage)
    return Status(
        waiting=session.scalar(count.where(unsent, OutboxMessage.attempts < MAX_ATTEMPTS)),
        sent=session.scalar(count.where(OutboxMessage.sent_at.is_not(None))),
        failed=session.scalar(count.where(unsent, OutboxMessage.attempts >= MAX_ATTEMPTS)),
        last_error=session.scalar(select(OutboxMessage.last_error).where(
            unsent, OutboxMessage.last_error.is_not(None)).order_by(OutboxMessage.id.desc()).limit(1)))


def delete_sent(session: Session, keep_days: int, now: datetime) -> int:
    """Delete messages sent more than ``keep_days`` ago (they hold addresses and names); how many."""
    return session.execute(delete(OutboxMessage).where(
        OutboxMessage.sent_at < now - timedelta(days=keep_days))).rowcount


def retry_failed(session: Session) -> int:
    """Make the messages given up on due again, with a fresh count of attempts; how many."""
    return session.execute(update(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.attempts >= MAX_ATTEMPTS)
        .values(attempts=0, next_attempt_at=None)).rowcount
