"""Admin pages: countries, organisations, users, scope, search and pagination, audit."""

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Country, Organisation, User
from tests.factories import CountryFactory, FocalPointFactory, OrganisationFactory, UserFactory


def test_an_admin_adds_a_country_and_it_is_audited(browser):
    admin = UserFactory(admin=True)
    browser.sign_in_as(admin)
    response = browser.post("/admin/countries/new", {"code": "ke", "name": "Kenya",
                                                     "time_zone": "Africa/Nairobi"},
                            follow_redirects=True)
    assert "Country Kenya saved" in response.get_data(as_text=True)
    country = db.session.scalar(select(Country).where(Country.code == "KE"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "country.create"))
    assert event.actor_id == admin.id and event.object_id == str(country.id)
    assert event.ip == "127.0.0.1"


def test_a_bad_time_zone_is_explained_on_the_field(browser):
    browser.sign_in_as(UserFactory(admin=True))
    response = browser.post("/admin/countries/new", {"code": "KE", "name": "Kenya",
                                                     "time_zone": "Mars/Olympus"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "is not a time zone name" in page


def test_a_duplicate_country_code_is_refused(browser):
    CountryFactory(code="KE")
    browser.sign_in_as(UserFactory(admin=True))
    response = browser.post("/admin/countries/new", {"code": "KE", "name": "Kenya again",
                                                     "time_zone": "Africa/Nairobi"})
    assert "already exists" in response.get_data(as_text=True)


def test_a_focal_point_adds_an_organisation_in_their_country(browser):
    country = CountryFactory()
    parent = OrganisationFactory(country=country, name="Ministry of ICT")
    browser.sign_in_as(FocalPointFactory(country=country))
    response = browser.post("/admin/organisations/new",
                            {"country": country.id, "name": "E-Government Agency", "parent": parent.id})
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.name == "E-Government Agency"))
    assert org.parent is parent and org.country is country


def test_organisation_search_and_pagination(browser):
    country = CountryFactory()
    for n in range(30):
        OrganisationFactory(country=country, name=f"Agency {n:02d}")
    OrganisationFactory(country=country, name="Bureau of Standards")
    browser.sign_in_as(UserFactory(admin=True))

    first = browser.get("/admin/organisations").get_data(as_text=True)
    assert "Agency 00" in first and "Agency 29" not in first
    assert "Showing 1 to 25 of" in first
    second = browser.get("/admin/organisations?page=2").get_data(as_text=True)
    assert "Agency 29" in second
    found = browser.get("/admin/organisations?q=bureau").get_data(as_text=True)
    assert "Bureau of Standards" in found and "Agency 00" not in found
    none = browser.get("/admin/organisations?q=zzz").get_data(as_text=True)
    assert "No organisation matches" in none


def test_user_search_by_email_and_role(browser):
    UserFactory(name="Kofi Annan", email="kofi@example.org")
    UserFactory(name="Ama Ata")
    browser.sign_in_as(UserFactory(admin=True, name="The Admin"))
    page = browser.get("/admin/users?q=KOFI@").get_data(as_text=True)
    assert "Kofi Annan" in page and "Ama Ata" not in page
    admins = browser.get("/admin/users?role=admin").get_data(as_text=True)
    assert "The Admin" in admins and "Ama Ata" not in admins


def test_an_admin_grants_and_withdraws_focal_point_scope(browser):
    home, other = CountryFactory(name="Homeland"), CountryFactory(name="Otherland")
    focal = FocalPointFactory(country=home)
    browser.sign_in_as(UserFactory(admin=True))

    browser.post(f"/admin/users/{focal.id}/scopes", {"country": other.id},
                 token_from=f"/admin/users/{focal.id}")
    assert {s.country for s in focal.scopes} == {home, other}
    browser.post(f"/admin/users/{focal.id}/scopes/{other.id}/withdraw",
                 token_from=f"/admin/users/{focal.id}")
    db.session.expire_all()
    assert {s.country for s in focal.scopes} == {home}
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"scope.grant", "scope.withdraw"} <= actions


def test_a_focal_point_may_only_invite_officials(browser):
    org = OrganisationFactory()
    browser.sign_in_as(FocalPointFactory(country=org.country))
    response = browser.post("/admin/users/new", {"email": "boss@example.org", "name": "Boss",
                                                 "role": "admin", "organisation": 0, "country": 0})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "boss@example.org")) is None


def test_a_focal_point_cannot_deactivate_another_focal_point(browser):
    country = CountryFactory()
    colleague = FocalPointFactory(country=country)
    browser.sign_in_as(FocalPointFactory(country=country))
    response = browser.post(f"/admin/users/{colleague.id}/deactivate", token_from="/")
    assert response.status_code == 403 and colleague.active


def test_the_audit_log_shows_a_focal_point_only_their_country(browser):
    a, b = CountryFactory(), CountryFactory()
    admin = UserFactory(admin=True)
    browser.sign_in_as(admin)
    browser.post("/admin/organisations/new", {"country": a.id, "name": "Org in A", "parent": 0})
    browser.post("/admin/organisations/new", {"country": b.id, "name": "Org in B", "parent": 0})
    browser.sign_in_as(FocalPointFactory(country=a))
    page = browser.get("/admin/audit").get_data(as_text=True)
    org_a = db.session.scalar(select(Organisation).where(Organisation.name == "Org in A"))
    org_b = db.session.scalar(select(Organisation).where(Organisation.name == "Org in B"))
    assert f"Organisation {org_a.id}" in page and f"Organisation {org_b.id}" not in page
