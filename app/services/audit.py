"""Who did what: the actor behind a change, and the audit events it leaves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.models import AuditEvent, User


@dataclass(frozen=True)
class Actor:
    """The person making a change, and where from. ``user`` is None for the command line."""

    user: User | None
    ip: str | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None


SYSTEM = Actor(user=None, ip=None)


def record(
    session: Session,
    actor: Actor,
    action: str,
    obj: Any,
    *,
    country_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event for ``action`` on ``obj`` (a model instance with an id) to the session."""
    session.flush()  # the object needs its id
    event = AuditEvent(
        actor_id=actor.user_id,
        action=action,
        object_type=type(obj).__name__,
        object_id=str(_identity(obj)),
        country_id=country_id,
        ip=actor.ip,
        details=details or {},
    )
    session.add(event)
    return event


def _identity(obj: Any) -> Any:
    if hasattr(obj, "id"):
        return obj.id
    if hasattr(obj, "user_id") and hasattr(obj, "country_id"):
        return f"{obj.user_id}:{obj.country_id}"
    raise TypeError(f"cannot audit {obj!r}: no id")
