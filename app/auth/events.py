"""The audit events of signing in and of account links, written from the auth views."""

from __future__ import annotations

from flask import current_app, request

from app.extensions import db
from app.models import User
from app.services import accounts, audit


def _actor(user: User | None) -> audit.Actor:
    return audit.Actor(user=user, ip=request.remote_addr)


def record(user: User, action: str, **details) -> None:
    """An event about ``user``'s own account, done by them (signing in, using a link); not committed."""
    audit.record(db.session, _actor(user), action, user, country_id=user.country_id, details=details)


def sign_in_failed(address: str) -> None:
    """Record and commit a failed sign-in: the account by id when the address is known, else a keyed
    digest of the address (never the address, never the password)."""
    key = current_app.secret_key
    known = accounts.find_by_email(db.session, address)
    subject = known or audit.Subject(
        "SignIn", audit.address_digest(address, key.encode() if isinstance(key, str) else key))
    audit.record(db.session, _actor(None), "auth.sign_in_failed", subject,
                 country_id=known.country_id if known else None)
    db.session.commit()
