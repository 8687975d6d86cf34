"""Showing a domain error where the user will see it: on the form field it names, else as a banner."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from app.services.errors import ValidationFailed


def show_error(form: FlaskForm, exc: ValidationFailed) -> None:
    """Put ``exc`` on the field it concerns (shown in the error summary too), or flash it. Several
    problems at once (``exc.problems``, ManyProblems) each go on their own field. A field may name a
    row of a list and one of its inputs: ``competencies.1.level_to``. A field that already shows an
    error (from the form's own checks) keeps that one only, so nothing is said twice."""
    for problem in getattr(exc, "problems", None) or [exc]:
        field = _field(form, problem.field) if problem.field else None
        if field is None:
            flash(str(problem), "error")
        elif not field.errors:
            field.errors = [str(problem)]
    for field in form:  # a list's errors are worked out when it validates: again, with the rows' new ones
        if getattr(field, "entries", None) is not None:
            errors = [entry.errors for entry in field.entries]
            field.errors = errors if any(errors) else []


def _field(form: FlaskForm, path: str):
    """The input ``path`` names: a field, or ``list.row.input`` inside a FieldList of FormFields."""
    first, *rest = path.split(".")
    field = getattr(form, first, None)
    for part in rest:
        if field is None:
            return None
        if part.isdigit():
            entries = getattr(field, "entries", None)
            field = entries[int(part)] if entries is not None and int(part) < len(entries) else None
        else:
            field = getattr(getattr(field, "form", None), part, None)
    if field is not None and getattr(field, "entries", None) is not None:  # the list itself: its first row
        field = field.entries[0] if field.entries else None
        if field is not None and getattr(field, "form", None) is not None:
            field = next(iter(field.form), None)
    return field
