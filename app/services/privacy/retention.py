"""Retention: accounts deactivated longer than the configured period are erased.

Deactivation has no timestamp of its own; its date is that of the account's latest ``user.deactivate``
audit event. An inactive account without one (deactivated outside the app) is never erased by this
rule: an admin erases it by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, User
from app.services.audit import Actor
from app.services.privacy import registry
from app.services.privacy.erase import Erased, erase


def due(session: Session, days: int, now: datetime) -> list[User]:
    """Inactive accounts, not erased yet, whose latest deactivation is more than ``days`` before ``now``."""
    deactivated = (select(AuditEvent.object_id, func.max(AuditEvent.at).label("at"))
                   .where(AuditEvent.action == "user.deactivate", AuditEvent.object_type == "User")
                   .group_by(AuditEvent.object_id).subquery())
    users = session.scalars(
        select(User).join(deactivated, deactivated.c.object_id == cast(User.id, String))
        .where(User.active.is_(False), deactivated.c.at < now - timedelta(days=days),
               User.email.not_like(f"%@{registry.ERASED_DOMAIN}"))
        .order_by(User.id))
    # An account reactivated since and deactivated again counts from the latest deactivation (max above).
    return list(users)


def erase_due(session: Session, actor: Actor, days: int, now: datetime, *,
              evidence_dir: Path | None) -> list[Erased]:
    """Erase every account ``due``, in the caller's transaction."""
    return [erase(session, actor, user, evidence_dir=evidence_dir) for user in due(session, days, now)]
