"""Showing a domain error where the user will see it: on the form field it names, else as a banner."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from app.services.errors import ValidationFailed


def show_error(form: FlaskForm, exc: ValidationFailed) -> None:
    """Put ``exc`` on the field it concerns (shown in the error summary too), or flash it."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        flash(str(exc), "error")
