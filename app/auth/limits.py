"""The sign-in limits of app.services.throttle, bound to the app: one throttle per process, over the
same storage as Flask-Limiter (Redis when REDIS_URL is set), and the client's address as the app sees it."""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter.util import get_remote_address

from app.services.throttle import Refusal, SignInThrottle

_KEY = "capstack.sign_in_throttle"


def init_app(app: Flask) -> None:
    config = app.config
    app.extensions[_KEY] = SignInThrottle(
        config["RATELIMIT_STORAGE_URI"], address=config["LOGIN_ADDRESS_LIMIT"],
        pair=config["LOGIN_ACCOUNT_LIMIT"], account=config["LOGIN_ACCOUNT_TOTAL_LIMIT"],
        options=config.get("RATELIMIT_STORAGE_OPTIONS") or {})


def throttle() -> SignInThrottle:
    return current_app.extensions[_KEY]


def refusal(email: str) -> Refusal | None:
    return throttle().refusal(get_remote_address(), email)


def failed(email: str) -> None:
    throttle().failed(get_remote_address(), email)
