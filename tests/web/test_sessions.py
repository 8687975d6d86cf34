"""Sessions end on the server: sign-out, a password reset and deactivation stop every copy of the
cookies, and the address after sign-in only ever stays on this site."""

import re
from urllib.parse import quote

import pytest

from app.extensions import db, mail
from app.models import TokenPurpose
from app.services import accounts
from tests.conftest import Browser
from tests.factories import PASSWORD, UserFactory


def _login(browser, email, password=PASSWORD, *, url="/auth/login", remember=False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return browser.post(url, data, token_from="/auth/login")


def _signed_in_as(client, user) -> bool:
    return f"Welcome, {user.name}" in client.get("/").get_data(as_text=True)


def _client_with(app, **cookies):
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


@pytest.mark.parametrize("target", [
    "/%09/evil.example",  # Werkzeug drops the tab on the way out: "//evil.example"
    "/%0a/evil.example",  # a newline in a header: was a 500 after the sign-in succeeded
    "/%0d%0a/evil.example",
    "%09//evil.example",
    "/%5Cevil.example",  # "/\evil.example": browsers read the backslash as a slash
    "/%5C%5Cevil.example",
    "//evil.example/x",
    "///evil.example",
    "https://evil.example/",
    "https:/evil.example",
    "javascript:alert(1)",
    "/%20/evil.example",
    "/%E2%80%A8/evil.example",  # a Unicode line separator
    "/%00/evil.example",
    "//%5B",  # "//[": urlsplit raises on an unclosed IPv6 host
])
def test_after_sign_in_the_next_address_never_leaves_the_site(browser, target):
    user = UserFactory()
    response = _login(browser, user.email, url=f"/auth/login?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert _signed_in_as(browser.client, user)


@pytest.mark.parametrize("target", ["/learn/", "/assess/?campaign=3&page=2", "/admin/users/7#top"])
def test_a_same_site_next_address_is_followed(browser, target):
    user = UserFactory()
    response = _login(browser, user.email, url="/auth/login?next=" + quote(target, safe="/"))
    assert response.status_code == 302 and response.headers["Location"] == target


def test_a_copy_of_the_session_cookie_stops_working_at_sign_out(app, browser):
    user = UserFactory(name="Achieng")
    _login(browser, user.email)
    copied = browser.client.get_cookie("session").value
    assert _signed_in_as(_client_with(app, session=copied), user)  # the copy works while signed in

    browser.post("/auth/logout", token_from="/")
    assert not _signed_in_as(browser.client, user)
    stale = _client_with(app, session=copied)
    assert not _signed_in_as(stale, user)
    assert stale.get("/admin/users").headers["Location"].startswith("/auth/login")


def test_the_remember_me_cookie_stops_working_at_sign_out(app, browser):
    user = UserFactory(name="Baraka")
    response = _login(browser, user.email, remember=True)
    assert "remember_token=" in response.headers.get("Set-Cookie", "")
    remembered = browser.client.get_cookie("remember_token").value
    assert _signed_in_as(_client_with(app, remember_token=remembered), user)  # works on its own

    browser.post("/auth/logout", token_from="/")
    assert not _signed_in_as(_client_with(app, remember_token=remembered), user)


def test_signing_in_again_after_signing_out_works(app, browser):
    user = UserFactory()
    _login(browser, user.email, remember=True)
    browser.post("/auth/logout", token_from="/")
    assert _login(browser, user.email).status_code == 302
    assert _signed_in_as(browser.client, user)


def _link_in(message) -> str:
    return re.search(r"http://localhost(/auth/\S+)", message.body).group(1)


def test_a_password_reset_ends_other_sessions_and_remember_cookies(app, browser):
    user = UserFactory(name="Chebet")
    elsewhere = Browser(app.test_client())
    _login(elsewhere, user.email, remember=True)
    session_copy = elsewhere.client.get_cookie("session").value
    remembered = elsewhere.client.get_cookie("remember_token").value

    with mail.record_messages() as outbox:
        browser.post("/auth/reset", {"email": user.email})
    new = "a completely new passphrase"
    assert browser.post(_link_in(outbox[0]), {"password": new, "confirm": new}).status_code == 302

    assert not _signed_in_as(elsewhere.client, user)
    assert not _signed_in_as(_client_with(app, session=session_copy), user)
    assert not _signed_in_as(_client_with(app, remember_token=remembered), user)


def test_a_reset_revokes_an_outstanding_invitation_link(browser):
    # A focal point downloaded the campaign's links CSV; the official then used "forgot password".
    user = UserFactory(password_hash=None, activated_at=None)
    invitation = accounts.issue_token(db.session, user, TokenPurpose.INVITE, 24 * 14)
    db.session.commit()
    with mail.record_messages() as outbox:
        browser.post("/auth/reset", {"email": user.email})
    new = "the official's own passphrase"
    assert browser.post(_link_in(outbox[0]), {"password": new, "confirm": new}).status_code == 302

    stale = browser.get(f"/auth/activate/{invitation}")
    assert stale.status_code == 410
    taken = "an attacker's passphrase here"
    assert browser.post(f"/auth/activate/{invitation}", {"password": taken, "confirm": taken},
                        token_from="/auth/login").status_code == 410
    assert _login(browser, user.email, taken).status_code == 401
    assert _login(browser, user.email, new).status_code == 302


def test_an_activation_revokes_an_outstanding_reset_link(browser):
    user = UserFactory(password_hash=None, activated_at=None)
    reset = accounts.issue_token(db.session, user, TokenPurpose.RESET, 2)
    activation = accounts.issue_token(db.session, user, TokenPurpose.ACTIVATE, 72)
    db.session.commit()
    mine = "the official's own passphrase"
    response = browser.post(f"/auth/activate/{activation}", {"password": mine, "confirm": mine})
    assert response.status_code == 302
    assert browser.get(f"/auth/reset/{reset}").status_code == 410


def test_deactivation_ends_the_remember_me_cookie_too(app, browser):
    user = UserFactory()
    _login(browser, user.email, remember=True)
    remembered = browser.client.get_cookie("remember_token").value
    admin = Browser(app.test_client()).sign_in_as(UserFactory(admin=True))
    admin.post(f"/admin/users/{user.id}/deactivate", token_from=f"/admin/users/{user.id}")
    admin.post(f"/admin/users/{user.id}/activate", token_from=f"/admin/users/{user.id}")
    assert not _signed_in_as(_client_with(app, remember_token=remembered), user)
