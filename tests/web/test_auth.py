"""Signing in and out, rate limits, links by e-mail, deactivation."""

import re

from app.extensions import db, mail
from app.models.base import utcnow
from tests.factories import PASSWORD, UserFactory


def _login(browser, email, password):
    return browser.post("/auth/login", {"email": email, "password": password})


def test_sign_in_and_out(browser):
    user = UserFactory(name="Wanjiru")
    response = _login(browser, user.email, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "remember_token" not in response.headers.get("Set-Cookie", "")  # remember me: off by default
    assert "Welcome, Wanjiru" in browser.get("/").get_data(as_text=True)
    assert user.last_login_at is not None

    response = browser.post("/auth/logout", token_from="/")
    assert response.headers["Location"] == "/auth/login"
    assert browser.get("/admin/users").status_code == 302


def test_sign_in_starts_a_new_session(browser):
    user = UserFactory()
    with browser.client.session_transaction() as session:
        session["planted"] = "by someone else"
    _login(browser, user.email, PASSWORD)
    with browser.client.session_transaction() as session:
        assert "planted" not in session


def test_wrong_password_says_so_without_telling_which(browser):
    user = UserFactory()
    response = _login(browser, user.email, "not the password at all")
    assert response.status_code == 401
    assert "The email address or password is not right" in response.get_data(as_text=True)


def test_after_5_failed_sign_ins_to_an_account_that_address_gets_429_even_with_the_right_password(browser):
    user = UserFactory()
    for attempt in range(5):
        assert _login(browser, user.email, f"wrong password {attempt}").status_code == 401
    response = _login(browser, user.email, PASSWORD)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins to this account from your network" in response.get_data(as_text=True)


def test_successful_logins_do_not_count_towards_the_limit(browser):
    user = UserFactory()
    for _ in range(12):
        assert _login(browser, user.email, PASSWORD).status_code == 302
        browser.post("/auth/logout", token_from="/")


def test_deactivating_a_user_ends_their_sessions(app, browser):
    user = UserFactory()
    _login(browser, user.email, PASSWORD)
    assert browser.get("/").status_code == 200 and user.name in browser.get("/").get_data(as_text=True)

    admin_browser = type(browser)(app.test_client()).sign_in_as(UserFactory(admin=True))
    response = admin_browser.post(f"/admin/users/{user.id}/deactivate", token_from=f"/admin/users/{user.id}")
    assert response.status_code == 302

    assert user.name not in browser.get("/").get_data(as_text=True)
    assert browser.get("/admin/users").headers["Location"].startswith("/auth/login")
    assert _login(browser, user.email, PASSWORD).status_code == 401


def _link_in(message) -> str:
    return re.search(r"http://localhost(/auth/\S+)", message.body).group(1)


def test_password_reset_by_single_use_link(browser):
    user = UserFactory()
    with mail.record_messages() as outbox:
        response = browser.post("/auth/reset", {"email": user.email.upper()})
    assert response.status_code == 302
    assert [m.recipients for m in outbox] == [[user.email]]
    link = _link_in(outbox[0])

    new = "a completely new passphrase"
    assert browser.post(link, {"password": new, "confirm": new}).status_code == 302
    assert _login(browser, user.email, new).status_code == 302
    browser.post("/auth/logout", token_from="/")
    reused = browser.get(link)
    assert reused.status_code == 410
    assert "already been used" in reused.get_data(as_text=True)


def test_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(browser):
    with mail.record_messages() as outbox:
        response = browser.post("/auth/reset", {"email": "nobody@example.org"}, follow_redirects=True)
    assert outbox == []
    assert "If an account uses that address" in response.get_data(as_text=True)


def test_set_password_enforces_the_rules(browser):
    user = UserFactory()
    with mail.record_messages() as outbox:
        browser.post("/auth/reset", {"email": user.email})
    link = _link_in(outbox[0])
    short = browser.post(link, {"password": "short", "confirm": "short"})
    assert "at least 12 characters" in short.get_data(as_text=True)
    with_email = user.email + "xx"
    response = browser.post(link, {"password": with_email, "confirm": with_email})
    assert "must not contain your email address" in response.get_data(as_text=True)


def test_an_invited_official_activates_their_account(browser):
    focal_browser = browser
    org_user = UserFactory()  # a colleague, to get an organisation in a country
    from tests.factories import FocalPointFactory

    focal_browser.sign_in_as(FocalPointFactory(country=org_user.country))
    with mail.record_messages() as outbox:
        response = focal_browser.post("/admin/users/new", {
            "email": "new.official@example.org", "name": "New Official", "role": "official",
            "organisation": org_user.organisation_id, "country": 0})
    assert response.status_code == 302
    assert outbox[0].subject == "You are invited to CapStack"
    link = _link_in(outbox[0])

    focal_browser.post("/auth/logout", token_from="/")
    assert "Welcome to CapStack" in browser.get(link).get_data(as_text=True)
    password = "my own good passphrase"
    assert browser.post(link, {"password": password, "confirm": password}).status_code == 302
    assert _login(browser, "new.official@example.org", password).status_code == 302


def test_an_open_redirect_is_not_followed_after_login(browser):
    user = UserFactory()
    response = browser.post("/auth/login?next=//evil.example/x", {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_last_login_is_recorded(browser):
    user = UserFactory(last_login_at=None)
    before = utcnow()
    _login(browser, user.email, PASSWORD)
    db.session.refresh(user)
    assert user.last_login_at >= before
