"""Health check, request log, security headers, error pages, locale."""

import logging
import secrets

import pytest
from sqlalchemy.exc import OperationalError

from app import create_app
from app.extensions import db
from config import ConfigError, ProductionConfig, TestConfig
from tests.factories import UserFactory


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_one_log_line_per_request_with_request_id(client, caplog):
    user = UserFactory()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
    with caplog.at_level(logging.INFO, logger="capstack.request"):
        response = client.get("/help", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    lines = [r.getMessage() for r in caplog.records if r.name == "capstack.request"]
    assert len(lines) == 1
    assert lines[0].startswith("GET /help 200 ")
    assert f"user={user.id}" in lines[0] and "request_id=abc-123" in lines[0]


def test_a_request_id_is_generated_when_missing_or_malformed(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
    bad = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert bad.headers["X-Request-ID"] != "<script>"


def test_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "default-src 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_pages_have_no_inline_script_or_style(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "<script>" not in page and 'style="' not in page and "<style" not in page


def test_production_sends_hsts_and_secure_cookies(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", TestConfig().SQLALCHEMY_DATABASE_URI)
    app = create_app(ProductionConfig())
    response = app.test_client().get("/auth/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.no_db
@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without_its_settings(monkeypatch, missing):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/capstack")
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        ProductionConfig()


@pytest.mark.no_db
@pytest.mark.parametrize("key", ["short", "x" * 31, "dev-only-not-secret", "  " + "y" * 30 + "  ",
                                 "changeme" * 4, "CHANGE-ME-" * 4])
def test_production_refuses_a_weak_secret_key(monkeypatch, key):
    monkeypatch.setenv("SECRET_KEY", key)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/capstack")
    with pytest.raises(ConfigError, match="SECRET_KEY must be at least 32 characters"):
        ProductionConfig()


@pytest.mark.no_db
def test_production_takes_a_generated_secret_key(monkeypatch):
    key = secrets.token_hex(32)
    monkeypatch.setenv("SECRET_KEY", key)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/capstack")
    assert key == ProductionConfig().SECRET_KEY


@pytest.mark.no_db
def test_postgres_urls_get_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/capstack")
    assert ProductionConfig().SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db/capstack"


def test_404_page_in_the_layout(client):
    response = client.get("/no/such/page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in page and "CapStack" in page and 'lang="en"' in page


def test_skip_link_and_service_name_without_gov_uk_branding(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="#main-content"' in page
    assert "CapStack" in page
    assert "GOV.UK" not in page and "govuk-logo" not in page and "crown" not in page.lower()


def test_locale_follows_the_users_preference_then_accept_language(app):
    from app import _select_locale

    app.config["LANGUAGES"] = ("en", "fr")
    try:
        with app.test_request_context(headers={"Accept-Language": "fr;q=0.9, en;q=0.5"}):
            assert _select_locale() == "fr"
        user = UserFactory(locale="en")
        with app.test_request_context(headers={"Accept-Language": "fr"}):
            from flask_login import login_user

            login_user(user)
            assert _select_locale() == "en"
    finally:
        app.config["LANGUAGES"] = ("en",)


def test_an_unexpected_error_gets_the_500_page_without_navigation(caplog):
    app = create_app(TestConfig())

    @app.get("/boom")
    def boom():
        raise RuntimeError("something broke")

    response = app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page and "Sign in" not in page
    assert "something broke" not in page  # no internals shown
    assert any("Unhandled error" in r.getMessage() for r in caplog.records)
