"""Error pages in the site's layout, and JSON for the API paths."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

PAGES = {400, 403, 404, 429, 500}


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_template("errors/400.html", reason=error.description), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        template = f"errors/{code}.html" if code in PAGES else "errors/400.html"
        response = error.get_response()
        return render_template(template), code, {
            k: v for k, v in response.headers.items() if k in ("Retry-After", "Allow")
        }

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("Unhandled error")
        from app.extensions import db

        db.session.rollback()
        return render_template("errors/500.html"), 500
