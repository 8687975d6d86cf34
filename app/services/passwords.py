"""Password hashing (Argon2id) and the password rules."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.services.errors import ValidationFailed

MIN_LENGTH = 12
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


def check_rules(password: str, email: str) -> None:
    """Raise ValidationFailed (field ``password``) if the password breaks a rule."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(
            f"Password must be at least {MIN_LENGTH} characters long", field="password"
        )
    local_part = email.split("@", 1)[0].lower()
    lowered = password.lower()
    if email.lower() in lowered or (len(local_part) >= 3 and local_part in lowered):
        raise ValidationFailed("Password must not contain your email address", field="password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    # Made once per process with the same parameters as real hashes, of a secret nobody knows.
    return _hasher.hash(secrets.token_urlsafe(32))


def verify(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash (an unknown address, an account without a password
    yet) the answer is False after the same Argon2 work, so the time taken tells nothing."""
    try:
        if not password_hash:
            _hasher.verify(_dummy_hash(), password)
            return False
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
