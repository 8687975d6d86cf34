"""Who may open what: anonymous users, officials, focal points of another country."""

import pytest
from werkzeug.routing.converters import AnyConverter, NumberConverter

from app.extensions import db
from tests.factories import FocalPointFactory, OrganisationFactory, UserFactory

STAFF_PAGES = ["/admin/organisations", "/admin/organisations/new", "/admin/users", "/admin/users/new",
               "/admin/audit"]
ADMIN_PAGES = ["/admin/countries", "/admin/countries/new"]


@pytest.mark.parametrize("url", STAFF_PAGES + ADMIN_PAGES)
def test_anonymous_users_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.parametrize("url", STAFF_PAGES + ADMIN_PAGES)
def test_officials_get_403_on_admin_and_focal_point_pages(browser, url):
    browser.sign_in_as(UserFactory())
    response = browser.get(url)
    assert response.status_code == 403
    assert "You do not have access to this page" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_focal_points_get_403_on_admin_only_pages(browser, url):
    browser.sign_in_as(FocalPointFactory())
    assert browser.get(url).status_code == 403


def test_a_focal_point_of_a_gets_404_on_every_page_of_country_b(browser):
    org_a, org_b = OrganisationFactory(), OrganisationFactory()
    focal = FocalPointFactory(country=org_a.country)
    official_b = UserFactory(organisation=org_b)
    focal_b = FocalPointFactory(country=org_b.country)
    browser.sign_in_as(focal)

    for url in [f"/admin/organisations/{org_b.id}/edit", f"/admin/users/{official_b.id}",
                f"/admin/users/{focal_b.id}", f"/admin/countries/{org_b.country_id}/edit"]:
        status = browser.get(url).status_code
        assert status in (403, 404), url
        if "countries" not in url:  # country editing is admin-only, so 403 for every focal point
            assert status == 404, url
    for url in [f"/admin/users/{official_b.id}/deactivate", f"/admin/users/{official_b.id}/invite",
                f"/admin/organisations/{org_b.id}/edit"]:
        assert browser.post(url, {"name": "Taken over"}, token_from="/").status_code == 404, url
    assert official_b.active
    assert org_b.name != "Taken over"


def test_lists_show_a_focal_point_their_country_only(browser):
    org_a, org_b = OrganisationFactory(name="Ministry Alpha"), OrganisationFactory(name="Ministry Beta")
    UserFactory(organisation=org_a, name="Alice Alpha")
    UserFactory(organisation=org_b, name="Bob Beta")
    browser.sign_in_as(FocalPointFactory(country=org_a.country))

    orgs = browser.get("/admin/organisations").get_data(as_text=True)
    users = browser.get("/admin/users").get_data(as_text=True)
    assert "Ministry Alpha" in orgs and "Ministry Beta" not in orgs
    assert "Alice Alpha" in users and "Bob Beta" not in users


def test_a_focal_point_cannot_place_an_organisation_in_another_country(browser):
    org_a, org_b = OrganisationFactory(), OrganisationFactory()
    browser.sign_in_as(FocalPointFactory(country=org_a.country))
    response = browser.post("/admin/organisations/new",
                            {"country": org_b.country_id, "name": "Sneaky", "parent": 0})
    assert response.status_code in (200, 404)  # not a valid choice: the form refuses it
    assert "Sneaky" not in {o.name for o in org_b.country.organisations}


def test_an_object_that_does_not_exist_is_a_404_too(browser):
    browser.sign_in_as(UserFactory(admin=True))
    assert browser.get("/admin/users/999999").status_code == 404


def _sample(converter):
    """A value the URL converter accepts: the first choice of an any(...), 1 for numbers, else x."""
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return 1 if isinstance(converter, NumberConverter) else "x"


def test_every_post_without_a_csrf_token_is_refused(app, browser):
    admin = UserFactory(admin=True)
    db.session.flush()
    browser.sign_in_as(admin)
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())]
    assert len(posts) >= 8
    for rule in posts:
        url = rule.build({arg: _sample(converter) for arg, converter in rule._converters.items()},
                         append_unknown=False)[1]
        response = browser.client.post(url, data={"name": "x"})
        assert response.status_code == 400, url
        assert "Something was wrong with the request" in response.get_data(as_text=True)
