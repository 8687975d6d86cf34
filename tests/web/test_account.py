"""The account page: the signed-in user changes their name, the languages they learn in, the e-mails
they want and their password; every problem at once in the error summary; every change audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.services import passwords
from app.services.learning import plans
from tests.factories import PASSWORD, ResourceFactory, UserFactory
from tests.unit.test_plans import assessed, competencies

NEW = "a much longer new secret 2027"


def _events(user, action):
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                            AuditEvent.object_id == str(user.id))))


def _summary(html: str) -> list[str]:
    body = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", body, re.S)]


def test_the_account_page_shows_the_users_own_details(browser):
    user = UserFactory(name="Amina Njeri")
    html = browser.sign_in_as(user).get("/account/").get_data(as_text=True)
    assert "Your account" in html and "Amina Njeri" in html and user.email in html
    assert "Change your password" in html and "Current password" in html
    assert 'href="/account/"' in html  # the navigation leads here from the user's name


def test_the_account_page_needs_signing_in(client):
    response = client.get("/account/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_details_are_saved_and_audited_without_their_values(browser):
    ResourceFactory(languages=["en", "fr"])
    user = UserFactory(name="Old Name")
    browser.sign_in_as(user)
    response = browser.post("/account/details", {"name": "  New   Name ", "languages": ["fr"],
                                                  "emails": ["follow_ups"]}, token_from="/account/")
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.name == "New Name" and user.learning_languages == ["fr"]
    assert user.email_reminders is False and user.email_follow_ups is True
    (event,) = _events(user, "account.details_changed")
    assert event.details == {"changed": ["name", "learning_languages", "email_reminders"]}
    assert "New Name" not in str(event.details)
    page = browser.get("/account/").get_data(as_text=True)
    assert "Your details are saved." in page


def test_every_problem_with_the_details_is_reported_at_once(browser):
    user = UserFactory(name="Kept")
    browser.sign_in_as(user)
    response = browser.post("/account/details", {"name": " ", "languages": ["tlh"]}, token_from="/account/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _summary(html) == ["Enter your name", "Choose your languages from the list"]
    assert html.startswith("<!DOCTYPE html>") and "<title>Error:" in html
    db.session.refresh(user)
    assert user.name == "Kept" and _events(user, "account.details_changed") == []


def test_the_password_changes_with_the_current_one_and_other_sessions_end(browser, client, app):
    user = UserFactory()
    old_token = user.session_token
    browser.sign_in_as(user)
    response = browser.post("/account/password", {"password-current_password": PASSWORD,
                                                   "password-new_password": NEW, "password-confirm": NEW},
                            token_from="/account/")
    assert response.status_code == 302
    db.session.refresh(user)
    assert passwords.verify(user.password_hash, NEW) and user.password_hash.startswith("$argon2id$")
    assert user.session_token != old_token  # every other session has ended
    assert len(_events(user, "account.password_changed")) == 1
    page = browser.get("/account/")
    assert page.status_code == 200  # this one goes on
    assert "Your password is changed." in page.get_data(as_text=True)


def test_every_problem_with_a_new_password_is_reported_at_once_in_plain_words(browser):
    user = UserFactory()
    browser.sign_in_as(user)
    response = browser.post("/account/password", {"password-current_password": "wrong guess",
                                                   "password-new_password": "short",
                                                   "password-confirm": "different"}, token_from="/account/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _summary(html) == ["Your current password is not right: check it and try again",
                              "Password must be at least 12 characters long",
                              "The two new passwords are not the same"]
    assert 'href="#password-current_password"' in html
    db.session.refresh(user)
    assert passwords.verify(user.password_hash, PASSWORD) and _events(user, "account.password_changed") == []


def test_an_empty_password_form_says_what_to_enter(browser):
    browser.sign_in_as(UserFactory())
    html = browser.post("/account/password", {}, token_from="/account/").get_data(as_text=True)
    assert _summary(html) == ["Enter your current password", "Enter a new password",
                              "Enter the new password again"]


def test_the_forms_need_their_csrf_token(browser):
    user = UserFactory(name="Kept")
    browser.sign_in_as(user)
    assert browser.client.post("/account/details", data={"name": "Changed"}).status_code == 400
    db.session.refresh(user)
    assert user.name == "Kept"


def test_the_languages_chosen_on_the_account_page_reorder_the_plan(browser):
    (analysis,) = competencies("Data analysis")
    ResourceFactory(code="ana-fr", title="Analyse de données", languages=["fr"], hours=6,
                    teaches={analysis: (1, 2)})
    ResourceFactory(code="ana-en", title="Data analysis basics", languages=["en"], hours=2,
                    teaches={analysis: (1, 2)})
    official = assessed({analysis: (1, 2)}, languages=["en"])  # answered English in the assessment
    plans.refresh_plan(db.session, official)
    browser.sign_in_as(official)
    assert "Data analysis basics" in browser.get("/learn/").get_data(as_text=True)
    response = browser.post("/account/details", {"name": official.name, "languages": ["fr"]},
                            token_from="/account/")
    assert response.status_code == 302
    plan = browser.get("/learn/").get_data(as_text=True)
    assert "Analyse de données" in plan and "Data analysis basics" not in plan
    assert "Material in French comes first, as you asked." in plan
