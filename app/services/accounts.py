"""Accounts: creating users, signing in, e-mailed links, deactivation and focal-point scope."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AccountToken, Country, FocalPointScope, Organisation, Role, TokenPurpose, User
from app.models.base import utcnow
from app.services import audit, passwords
from app.services.audit import Actor
from app.services.errors import TokenInvalid, ValidationFailed

ROLES = tuple(role.value for role in Role)


def normalise_email(email: str) -> str:
    """The canonical form of ``email``; raise ValidationFailed (field ``email``) if it is not one."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(f"Enter a valid email address: {exc}", field="email") from exc


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    role: str,
    organisation: Organisation | None = None,
    country: Country | None = None,
    password: str | None = None,
    locale: str | None = None,
) -> User:
    """Create a user. Officials need an organisation; the country follows from it.

    Raises ValidationFailed for a bad e-mail, an e-mail already taken, a missing organisation
    or a password that breaks the rules.
    """
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise ValidationFailed("Enter the person's name", field="name")
    if role not in ROLES:
        raise ValidationFailed(f"Role must be one of {', '.join(ROLES)}", field="role")
    if find_by_email(session, email):
        raise ValidationFailed(f"An account with the email {email} already exists", field="email")
    if organisation is not None:
        if country is not None and organisation.country_id != country.id:
            raise ValidationFailed(
                f"{organisation.name} is not in {country.name}", field="organisation"
            )
        country = organisation.country
    if role == Role.OFFICIAL and organisation is None:
        raise ValidationFailed("An official must belong to an organisation", field="organisation")
    if password is not None:
        passwords.check_rules(password, email)

    user = User(
        email=email,
        name=name,
        role=role,
        organisation=organisation,
        country=country,
        locale=locale,
        password_hash=passwords.hash_password(password) if password else None,
        activated_at=utcnow() if password else None,
    )
    session.add(user)
    if role == Role.FOCAL_POINT and country is not None:
        user.scopes.append(FocalPointScope(country=country, granted_by_id=actor.user_id))
    audit.record(
        session, actor, "user.create", user,
        country_id=country.id if country else None, details={"role": role},  # the e-mail is the user's, by id
    )
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, with its last-login time set; else None.

    Commits the session's transaction before checking the password (there must be nothing else in it)."""
    user = find_by_email(session, email)
    password_hash = user.password_hash if user is not None else None
    # The slow hash check runs outside any transaction (nothing is pending at sign-in): on SQLite the write
    # below then starts a transaction of its own, which waits its turn and holds the lock only briefly.
    session.commit()
    if user is None:
        passwords.verify(None, password)  # same work either way, so timing does not tell
        return None
    if not passwords.verify(password_hash, password) or not user.active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Set a new password (rules checked), end every session of the user and revoke every link of
    theirs still outstanding, whatever it was for: an invitation in a downloaded links file must not
    set the password of an account activated since through "forgot password"."""
    passwords.check_rules(password, user.email)
    user.password_hash = passwords.hash_password(password)
    if user.activated_at is None:
        user.activated_at = utcnow()
    user.end_sessions()
    now = utcnow()
    for token in session.scalars(
        select(AccountToken).where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
    ):
        token.used_at = now


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(session: Session, user: User, purpose: TokenPurpose, hours: int) -> str:
    """A new single-use link token for ``user``; only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            user=user,
            purpose=purpose,
            token_hash=_hash_token(raw),
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    return raw


def peek_token(session: Session, raw: str, purposes: tuple[TokenPurpose, ...]) -> AccountToken:
    """The unused, unexpired token ``raw`` of one of ``purposes``; raise TokenInvalid otherwise."""
    token = session.scalar(select(AccountToken).where(AccountToken.token_hash == _hash_token(raw)))
    if token is None or token.purpose not in purposes:
        raise TokenInvalid("This link is not valid. Ask for a new one.")
    if token.used_at is not None:
        raise TokenInvalid("This link has already been used. Ask for a new one if you need it.")
    if token.expires_at <= utcnow():
        raise TokenInvalid("This link has expired. Ask for a new one.")
    if not token.user.active:
        raise TokenInvalid("This account has been deactivated.")
    return token


def redeem_token(
    session: Session, raw: str, purposes: tuple[TokenPurpose, ...], new_password: str
) -> User:
    """Use the link ``raw`` once to set a password; every other link of the account dies with it.

    Raises TokenInvalid for a link that does not work, ValidationFailed for a password that breaks
    the rules."""
    user = peek_token(session, raw, purposes).user
    set_password(session, user, new_password)
    return user


def set_active(session: Session, actor: Actor, user: User, active: bool) -> None:
    """Deactivate (ending every session at once) or reactivate a user."""
    if actor.user is not None and actor.user.id == user.id and not active:
        raise ValidationFailed("You cannot deactivate your own account")
    if user.active == active:
        return
    user.active = active
    user.end_sessions()
    audit.record(
        session, actor, "user.activate" if active else "user.deactivate", user,
        country_id=user.country_id,
    )


def grant_scope(session: Session, actor: Actor, user: User, country: Country) -> None:
    """Let focal point ``user`` see ``country``."""
    if user.role != Role.FOCAL_POINT:
        raise ValidationFailed("Only focal points have a country scope", field="country")
    if any(scope.country_id == country.id for scope in user.scopes):
        return
    user.scopes.append(FocalPointScope(country=country, granted_by_id=actor.user_id))
    audit.record(session, actor, "scope.grant", user, country_id=country.id,
                 details={"country": country.code})


def withdraw_scope(session: Session, actor: Actor, user: User, country: Country) -> None:
    for scope in list(user.scopes):
        if scope.country_id == country.id:
            user.scopes.remove(scope)
            audit.record(session, actor, "scope.withdraw", user, country_id=country.id,
                         details={"country": country.code})


def count_admins(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
    ) or 0
