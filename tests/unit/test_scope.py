from sqlalchemy import select

from app.extensions import db
from app.models import Organisation
from app.services.scope import scoped, visible_country_ids
from tests.factories import FocalPointFactory, OrganisationFactory, UserFactory


def test_admins_see_everything_focal_points_their_countries_officials_their_own():
    mine, other = OrganisationFactory(), OrganisationFactory()
    focal = FocalPointFactory(country=mine.country)
    official = UserFactory(organisation=mine)
    admin = UserFactory(admin=True)

    def names(user):
        stmt = scoped(select(Organisation), Organisation.country_id, user)
        return set(db.session.scalars(stmt))

    assert {mine, other} <= names(admin)
    assert names(focal) == {mine}
    assert names(official) == {mine}
    assert visible_country_ids(admin) is None


def test_a_focal_point_without_scope_sees_nothing():
    OrganisationFactory()
    focal = FocalPointFactory()
    focal.scopes.clear()
    assert not list(db.session.scalars(scoped(select(Organisation), Organisation.country_id, focal)))
