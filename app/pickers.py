"""The pickers of the curator forms: their choices, and their lists of rows.

A list of rows (competencies a resource teaches, a path's steps, prerequisites) shows the rows given
plus a few empty ones; "Add more rows" posts the form back with more, keeping what was typed. That
works without JavaScript; app/static/js/autocomplete.js turns each select marked
``data-autocomplete`` into a search-as-you-type box when scripts run.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from wtforms import FieldList, SelectChoice

from app.extensions import db
from app.services import pickers

MORE_ROWS = "more-rows"  # the value of the "Add more rows" buttons (name="action")
AUTOCOMPLETE = {"data-autocomplete": "true"}


def wants_more_rows() -> bool:
    return request.method == "POST" and request.form.get("action", "").startswith(MORE_ROWS)


def grow(rows: FieldList, blank: int, *, minimum: int = 0) -> None:
    """At least ``blank`` empty rows after the last filled one, and ``minimum`` rows in all."""
    filled = max((n + 1 for n, entry in enumerate(rows.entries) if _filled(entry)), default=0)
    while len(rows.entries) < max(filled + blank, minimum):
        rows.append_entry()


def _filled(entry) -> bool:
    fields = list(entry.form) if hasattr(entry, "form") else [entry]
    return any(field.data not in (None, "", False) for field in fields)


def resource_choices(none_label: str) -> list[SelectChoice]:
    return [SelectChoice("", none_label)] + [SelectChoice(code, label) for code, label
                                             in pickers.resource_options(db.session)]


def set_competency_choices(rows: FieldList) -> None:
    competencies = [SelectChoice("", _("Choose a competency"))] + [
        SelectChoice(id_, label) for id_, label in pickers.competency_options(db.session)]
    levels = [SelectChoice("", _("Choose a level"))] + [
        SelectChoice(level, label) for level, label in pickers.level_options(db.session)]
    for entry in rows:
        entry.form.competency.choices = competencies
        entry.form.level_from.choices = levels
        entry.form.level_to.choices = levels


def set_resource_choices(rows: FieldList, none_label: str, field: str | None = None) -> None:
    choices = resource_choices(none_label)
    for entry in rows:
        keep_current(getattr(entry.form, field) if field else entry, choices)


def keep_current(select, choices: list[SelectChoice]) -> None:
    """``choices`` on ``select``, with the value it holds even when it is no longer offered (a retired
    resource in an older version): it stays, and the service says what is wrong with it."""
    value = select.data
    if value not in (None, "") and all(choice.value != value for choice in choices):
        choices = [*choices, SelectChoice(value, _("%(code)s (no longer in the catalogue)", code=value))]
    select.choices = choices


def licence_choices() -> list[SelectChoice]:
    return [SelectChoice("", _("Choose a licence"))] + [
        SelectChoice(value, label) for value, label in pickers.licence_options()]
