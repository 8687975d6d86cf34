import pytest
from argon2 import PasswordHasher, extract_parameters

from app.services import passwords
from app.services.errors import ValidationFailed

pytestmark = pytest.mark.no_db


def test_a_password_of_eleven_characters_is_refused():
    with pytest.raises(ValidationFailed, match="at least 12 characters") as exc:
        passwords.check_rules("abcdefghijk", "someone@example.org")
    assert exc.value.field == "password"


def test_twelve_characters_are_enough():
    passwords.check_rules("abcdefghijkl", "someone@example.org")


@pytest.mark.parametrize("password", ["my someone@example.org pw", "SOMEONE-is-my-name"])
def test_a_password_containing_the_email_is_refused(password):
    with pytest.raises(ValidationFailed, match="email"):
        passwords.check_rules(password, "someone@example.org")


def test_hashes_are_argon2id_and_verify():
    digest = passwords.hash_password("a long enough passphrase")
    assert digest.startswith("$argon2id$")
    assert passwords.verify(digest, "a long enough passphrase")
    assert not passwords.verify(digest, "a different passphrase")
    assert not passwords.verify(None, "anything at all")
    assert not passwords.verify("not-a-hash", "anything at all")


class CountingHasher(PasswordHasher):
    """The real Argon2 hasher, noting the hash each verification was made against."""

    def __init__(self) -> None:
        super().__init__()
        self.verified: list[str] = []

    def verify(self, hash, password) -> bool:  # noqa: A002 - the library's own parameter name
        self.verified.append(hash)
        return super().verify(hash, password)


def test_no_hash_still_costs_one_argon2_verification_with_the_same_parameters(monkeypatch):
    hasher = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", hasher)
    real = passwords.hash_password("a long enough passphrase")

    assert not passwords.verify(None, "a long enough passphrase")
    assert not passwords.verify("", "a long enough passphrase")
    assert passwords.verify(real, "a long enough passphrase")

    assert len(hasher.verified) == 3  # an unknown or invited account is as slow to refuse as a real one
    dummy = hasher.verified[0]
    assert dummy != real and extract_parameters(dummy) == extract_parameters(real)
