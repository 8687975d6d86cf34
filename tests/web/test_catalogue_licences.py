"""What the catalogue's pages say about a resource's licence: "open" only for a known open licence."""

from app.extensions import db  # noqa: F401 - the browser fixture's session
from tests.factories import ResourceFactory, UserFactory


def _page(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_licence_ref_is_not_called_open_on_the_resource_page(browser):
    ResourceFactory(code="own-terms", title="Own terms", licence="LicenseRef-Provider-Terms")
    browser.sign_in_as(UserFactory())
    html = _page(browser, "/catalogue/resources/own-terms")
    assert "Open licence" not in html and "you may reuse and adapt" not in html.lower()
    assert "Check the licence terms" in html and "LicenseRef-Provider-Terms" in html


def test_a_known_open_licence_is_called_open(browser):
    ResourceFactory(code="open-one", licence="CC-BY-SA-4.0")
    browser.sign_in_as(UserFactory())
    html = _page(browser, "/catalogue/resources/open-one")
    assert "Open licence:" in html and "reuse and adapt it" in html


def test_search_results_and_the_open_filter_follow_the_list(browser):
    ResourceFactory(code="open-one", title="Alpha open", licence="CC-BY-4.0")
    ResourceFactory(code="own-terms", title="Beta own terms", licence="LicenseRef-Provider-Terms")
    ResourceFactory(code="no-derivs", title="Gamma no derivatives", licence="CC-BY-ND-4.0")
    browser.sign_in_as(UserFactory())
    html = _page(browser, "/catalogue/")
    assert html.count("Check the licence terms") == 2
    opened = _page(browser, "/catalogue/?licence=open")
    assert "Alpha open" in opened and "Beta own terms" not in opened and "Gamma no derivatives" not in opened
