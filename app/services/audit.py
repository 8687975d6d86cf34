"""Who did what: the actor behind a change, and the audit events it leaves.

The events form a hash chain: each row stores the hash of the row before it (``prev_hash``) and a
SHA-256 over its own content and that previous hash (``hash``). A row changed or deleted by hand
breaks the chain at that point, which ``verify_chain`` (``flask audit verify``) reports. Personal
data goes into ``details`` as ids only, so erasing a person never needs an audit row rewritten.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import AuditEvent, User
from app.models.base import utcnow

GENESIS = "0" * 64  # the prev_hash of the first event
_CHAIN_LOCK = 0x6175646974  # "audit": the PostgreSQL advisory lock every writer of the chain takes


@dataclass(frozen=True)
class Actor:
    """The person making a change, and where from. ``user`` is None for the command line."""

    user: User | None
    ip: str | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None


SYSTEM = Actor(user=None, ip=None)


@dataclass(frozen=True)
class Subject:
    """What an event is about when it is not a row, e.g. Subject("SignIn", "unknown")."""

    kind: str
    id: str


def record(
    session: Session,
    actor: Actor,
    action: str,
    obj: Any,
    *,
    country_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event for ``action`` on ``obj`` (a model instance with an id, or a Subject) to the
    session, chained to the last event. On PostgreSQL this holds the chain's lock until commit."""
    session.flush()  # the object needs its id
    _lock_chain(session)
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.user_id,
        action=action,
        object_type=obj.kind if isinstance(obj, Subject) else type(obj).__name__,
        object_id=str(_identity(obj)),
        country_id=country_id,
        ip=actor.ip,
        details=json.loads(json.dumps(details or {})),  # hashed exactly as it will read back
    )
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event.prev_hash = last or GENESIS
    event.hash = event_hash(event)
    session.add(event)
    session.flush()  # the next event in this transaction chains to this one
    return event


def address_digest(address: str, key: bytes) -> str:
    """A keyed digest standing for an e-mail address in an audit event (never the address itself)."""
    return hmac.new(key, address.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def event_hash(event: Any) -> str:
    """SHA-256 over an event's content and its prev_hash (not its id), as a canonical JSON text."""
    at = event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC)
    content = {
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "country_id": event.country_id,
        "ip": event.ip,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """The result of walking the chain: how many events were intact, the first broken one, and the head
    (the last event's id and hash: kept outside the database, it shows later that nothing was cut off)."""

    events: int
    broken_id: int | None = None
    problem: str = ""
    head: tuple[int, str] | None = None

    @property
    def intact(self) -> bool:
        return self.broken_id is None


def verify_chain(session: Session, anchor: tuple[int, str] | None = None) -> ChainReport:
    """Walk every event in id order; stop at the first changed row, or the row after a deleted one.

    ``anchor`` is a head reported earlier (event id, hash): that event must still be there with that
    hash, which finds events deleted from the end of the chain, the one change the chain cannot show."""
    columns = (AuditEvent.id, AuditEvent.at, AuditEvent.actor_id, AuditEvent.action, AuditEvent.object_type,
               AuditEvent.object_id, AuditEvent.country_id, AuditEvent.ip, AuditEvent.details,
               AuditEvent.prev_hash, AuditEvent.hash)
    rows = session.execute(select(*columns).order_by(AuditEvent.id).execution_options(yield_per=1000))
    try:
        return _walk(rows, anchor)
    finally:
        rows.close()  # a server-side cursor on PostgreSQL: closed even when the walk stops early


def _walk(rows: Iterable[Any], anchor: tuple[int, str] | None) -> ChainReport:
    expected, previous_id, count, anchored = GENESIS, None, 0, anchor is None
    for row in rows:
        if row.prev_hash != expected:
            where = f"event {previous_id}" if previous_id is not None else "the start of the chain"
            return ChainReport(count, row.id, f"its prev_hash does not follow {where}: an event between "
                                              "was deleted, or its predecessor was rewritten")
        if row.hash != event_hash(row):
            return ChainReport(count, row.id, "its content was changed after it was written")
        if anchor is not None and row.id == anchor[0]:
            if row.hash != anchor[1]:
                return ChainReport(count, row.id, "its hash is not the one recorded as the head earlier")
            anchored = True
        expected, previous_id, count = row.hash, row.id, count + 1
    head = (previous_id, expected) if previous_id is not None else None
    if not anchored:
        return ChainReport(count, anchor[0], "it was the head recorded earlier and is gone: events were "
                                             "deleted from the end of the chain", head)
    return ChainReport(count, head=head)


def _lock_chain(session: Session) -> None:
    """One writer of the chain at a time, from reading the last hash until commit."""
    dialect = session.connection().dialect.name
    if dialect == "postgresql":
        # Not SELECT ... FOR UPDATE on the last row: a transaction waiting on it would then read that
        # row again, not the one the other writer just added, and fork the chain.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    elif dialect == "sqlite":
        # SQLite serialises writers, but a transaction begun as a reader (a GET) that reads and then
        # writes fails at once if anyone committed in between. An empty write first takes the write
        # lock, waiting its turn; a no-op where the transaction holds it already.
        session.execute(text("UPDATE audit_events SET id = id WHERE 0 = 1"))


def _identity(obj: Any) -> Any:
    if hasattr(obj, "id"):
        return obj.id
    if hasattr(obj, "user_id") and hasattr(obj, "country_id"):
        return f"{obj.user_id}:{obj.country_id}"
    raise TypeError(f"cannot audit {obj!r}: no id")
