"""Error pages in the site's layout, and JSON for the API paths.

An error page must render when the database is what failed: it never needs the database itself, and if
rendering it fails anyway, a plain page with the same words is sent instead of the bare server error.
"""

from __future__ import annotations

from flask import Flask, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login.utils import login_url
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from app.urls import same_site_referrer

PAGES = {400, 403, 404, 429, 500, 503}
_PLAIN_PAGE = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
               '<title>{title} – CapStack</title></head>'
               '<body><p>CapStack</p><h1>{title}</h1><p>{advice}</p></body></html>')


def _plain_500() -> tuple[str, int]:
    try:
        title, advice = _("Sorry, there is a problem with the service"), _("Try again later.")
    except Exception:  # noqa: BLE001 - not even the translations: the words in English
        title, advice = "Sorry, there is a problem with the service", "Try again later."
    return _PLAIN_PAGE.format(title=escape(title), advice=escape(advice)), 500


def wants_json() -> bool:
    """Whether the request is a script's that reads JSON (autosave sends JSON and accepts only JSON)."""
    accept = request.accept_mimetypes
    return request.is_json or accept["application/json"] > accept["text/html"]


def _session_ended():
    """401 in JSON: a script's request must not follow a redirect to the login page and take its 200 for
    success. The page says it is not saved, keeps the answer and sends it once signed in again."""
    return jsonify(saved=False, signed_in=False, login_url=url_for("auth.login"),
                   error=_("You are signed out, so this was not saved: sign in again.")), 401


def _forget_user() -> None:
    """Treat the rest of the request as a visitor's, so nothing reads the user from the database again."""
    from app.extensions import login_manager

    login_manager._update_request_context_with_user()  # Flask-Login's own way to set current_user


def _signed_in() -> bool:
    try:
        return current_user.is_authenticated
    except SQLAlchemyError:  # the database is down: whoever it was, they cannot be served as themselves
        _forget_user()
        _rollback()
        return False


def _rollback() -> bool:
    """Roll the request's transaction back; False if the database could not be reached to do it."""
    from app.extensions import db

    try:
        db.session.rollback()
    except SQLAlchemyError:
        return False
    return True


def register(app: Flask) -> None:
    def page(template: str, code: int, headers: dict | None = None, **context):
        for first_try in (True, False):
            try:
                return render_template(template, **context), code, headers or {}
            except SQLAlchemyError:
                if not first_try:
                    break
                # The layout looked up the signed-in user: show the page as to a visitor instead.
                app.logger.warning("error page %s needed the database; shown without the user", template)
                _forget_user()
                _rollback()
            except Exception:  # noqa: BLE001 - an error page must never fail
                break
        app.logger.exception("error page %s failed to render", template)
        return _plain_500()

    from app.extensions import login_manager

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return _session_ended()
        return redirect(login_url(login_manager.login_view, next_url=request.url))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        # Signing out (here or in another tab) or the session's time limit also takes the CSRF token away.
        if wants_json() and not _signed_in():
            return _session_ended()
        return page("errors/400.html", 400, reason=error.description)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        template = f"errors/{code}.html" if code in PAGES else "errors/400.html"
        response = error.get_response()
        return page(template, code, {
            k: v for k, v in response.headers.items() if k in ("Retry-After", "Allow")
        })

    from app.jobs import QueueUnavailable

    @app.errorhandler(QueueUnavailable)
    def queue_unavailable(_error: QueueUnavailable):
        # Refused before anything was written; anything the action had begun to write goes back.
        _rollback()
        back = same_site_referrer(request.referrer, request.host)
        return page("errors/503.html", 503, {"Retry-After": "120"}, back=back)

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("Unhandled error")
        if not _rollback() or isinstance(error, SQLAlchemyError):
            _forget_user()  # the database may be down: the page and the request log must not need it
        return page("errors/500.html", 500)
