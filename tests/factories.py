"""Test data. Every factory writes through the test's own session (rolled back after the test)."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.extensions import db
from app.models import Country, FocalPointScope, Organisation, Role, User
from app.models.base import utcnow
from app.services.passwords import hash_password

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: Argon2 is slow on purpose


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class CountryFactory(_Base):
    class Meta:
        model = Country

    code = factory.Sequence(lambda n: f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    name = factory.Sequence(lambda n: f"Country {n}")
    time_zone = "Africa/Nairobi"


class OrganisationFactory(_Base):
    class Meta:
        model = Organisation

    country = factory.SubFactory(CountryFactory)
    name = factory.Sequence(lambda n: f"Ministry {n}")


class UserFactory(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.OFFICIAL
    organisation = factory.SubFactory(OrganisationFactory)
    country = factory.SelfAttribute("organisation.country")
    password_hash = _PASSWORD_HASH
    activated_at = factory.LazyFunction(utcnow)

    class Params:
        admin = factory.Trait(role=Role.ADMIN, organisation=None, country=None)
        invited = factory.Trait(password_hash=None, activated_at=None)


class FocalPointFactory(UserFactory):
    """A focal point who may see ``country`` (its scope is granted)."""

    role = Role.FOCAL_POINT
    organisation = None
    country = factory.SubFactory(CountryFactory)

    @factory.post_generation
    def scope(self, create, extracted, **kwargs):
        self.scopes.append(FocalPointScope(country=self.country))
        db.session.flush()
