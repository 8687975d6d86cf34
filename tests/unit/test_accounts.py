from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AccountToken, AuditEvent, Role, TokenPurpose
from app.models.base import utcnow
from app.services import accounts, passwords
from app.services.audit import Actor
from app.services.errors import TokenInvalid, ValidationFailed
from tests.factories import PASSWORD, CountryFactory, OrganisationFactory, UserFactory
from tests.unit.test_passwords import CountingHasher


def test_create_user_lowercases_email_and_audits():
    org = OrganisationFactory()
    admin = UserFactory(admin=True)
    user = accounts.create_user(db.session, Actor(admin, "10.0.0.1"), email=" Jane.Doe@Example.ORG ",
                                name="Jane Doe", role=Role.OFFICIAL, organisation=org)
    assert user.email == "jane.doe@example.org"
    assert user.country_id == org.country_id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert (event.actor_id, event.country_id, event.ip) == (admin.id, org.country_id, "10.0.0.1")


def test_email_is_unique_whatever_its_case():
    UserFactory(email="taken@example.org")
    with pytest.raises(ValidationFailed, match="already exists") as exc:
        accounts.create_user(db.session, Actor(None), email="TAKEN@example.org", name="X",
                             role=Role.OFFICIAL, organisation=OrganisationFactory())
    assert exc.value.field == "email"


def test_an_official_needs_an_organisation():
    with pytest.raises(ValidationFailed, match="organisation"):
        accounts.create_user(db.session, Actor(None), email="a@example.org", name="A",
                             role=Role.OFFICIAL)


def test_organisation_must_be_in_the_given_country():
    with pytest.raises(ValidationFailed, match="is not in"):
        accounts.create_user(db.session, Actor(None), email="a@example.org", name="A",
                             role=Role.OFFICIAL, organisation=OrganisationFactory(),
                             country=CountryFactory())


def test_authenticate_sets_last_login_and_refuses_inactive_users():
    user = UserFactory()
    assert accounts.authenticate(db.session, user.email.upper(), PASSWORD) is user
    assert user.last_login_at is not None
    assert accounts.authenticate(db.session, user.email, "wrong password!!") is None
    user.active = False
    assert accounts.authenticate(db.session, user.email, PASSWORD) is None


def test_a_token_works_once():
    user = UserFactory(invited=True)
    raw = accounts.issue_token(db.session, user, TokenPurpose.INVITE, hours=1)
    accounts.redeem_token(db.session, raw, (TokenPurpose.INVITE,), "a brand new passphrase")
    assert user.activated_at is not None
    with pytest.raises(TokenInvalid, match="already been used"):
        accounts.redeem_token(db.session, raw, (TokenPurpose.INVITE,), "another passphrase!")


def test_an_expired_token_is_refused():
    user = UserFactory()
    raw = accounts.issue_token(db.session, user, TokenPurpose.RESET, hours=1)
    token = db.session.scalar(select(AccountToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(TokenInvalid, match="expired"):
        accounts.peek_token(db.session, raw, (TokenPurpose.RESET,))


def test_a_token_of_another_purpose_is_refused():
    raw = accounts.issue_token(db.session, UserFactory(), TokenPurpose.RESET, hours=1)
    with pytest.raises(TokenInvalid, match="not valid"):
        accounts.peek_token(db.session, raw, (TokenPurpose.INVITE,))


def test_only_the_hash_of_a_token_is_stored():
    raw = accounts.issue_token(db.session, UserFactory(), TokenPurpose.RESET, hours=1)
    assert db.session.scalar(select(AccountToken)).token_hash != raw


def test_deactivating_changes_the_session_token():
    user = UserFactory()
    before = user.session_token
    accounts.set_active(db.session, Actor(UserFactory(admin=True)), user, False)
    assert not user.is_active and user.session_token != before


def test_you_cannot_deactivate_yourself():
    admin = UserFactory(admin=True)
    with pytest.raises(ValidationFailed, match="your own"):
        accounts.set_active(db.session, Actor(admin), admin, False)


def test_a_failed_sign_in_costs_the_same_argon2_work_whether_or_not_the_address_is_known(monkeypatch):
    hasher = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", hasher)
    known, invited, gone = UserFactory(), UserFactory(invited=True), UserFactory(active=False)
    attempts = {"wrong password": (known.email, "not the password at all"),
                "unknown address": ("nobody@example.org", "not the password at all"),
                "no password yet": (invited.email, "not the password at all"),
                "deactivated": (gone.email, PASSWORD)}
    work = {}
    for case, (email, password) in attempts.items():
        before = len(hasher.verified)
        assert accounts.authenticate(db.session, email, password) is None
        work[case] = len(hasher.verified) - before
    assert work == dict.fromkeys(attempts, 1)


def test_setting_a_password_revokes_every_outstanding_link_of_the_account():
    user, colleague = UserFactory(invited=True), UserFactory(invited=True)
    links = {purpose: accounts.issue_token(db.session, user, purpose, hours=24) for purpose in
             (TokenPurpose.INVITE, TokenPurpose.ACTIVATE)}
    reset = accounts.issue_token(db.session, user, TokenPurpose.RESET, hours=1)
    theirs = accounts.issue_token(db.session, colleague, TokenPurpose.INVITE, hours=24)
    before = user.session_token

    accounts.redeem_token(db.session, reset, (TokenPurpose.RESET,), "a brand new passphrase")

    assert user.session_token != before
    for purpose, raw in links.items():
        with pytest.raises(TokenInvalid, match="already been used"):
            accounts.peek_token(db.session, raw, (purpose,))
    assert accounts.peek_token(db.session, theirs, (TokenPurpose.INVITE,)).user is colleague
