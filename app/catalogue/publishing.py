"""Publishing a suggestion, the view's side: the form's pickers, what it gives the service, and the
confirmation page between a form with no problem left and the resource being published."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.authz import current_actor
from app.catalogue.forms import PublishForm
from app.extensions import db
from app.form_errors import show_error
from app.models import Suggestion
from app.models.base import utcnow
from app.pickers import grow, licence_choices, set_competency_choices, set_resource_choices
from app.services import catalogue, pickers
from app.services.errors import ManyProblems, ValidationFailed
from app.services.learning import suggestions
from app.services.learning.resource_details import CheckedDetails, LevelChoice, check_details

CONFIRMED = "yes"
# The inputs the confirmation page does not carry over: its own token and buttons.
_NOT_CARRIED = {"csrf_token", "confirmed", "action", "submit"}


def prepare(form: PublishForm) -> None:
    """The pickers' choices, and empty rows to add competencies and prerequisites."""
    grow(form.competencies, 1, minimum=3)
    grow(form.prerequisites, 1, minimum=2)
    form.licence.choices = licence_choices()
    set_competency_choices(form.competencies)
    set_resource_choices(form.prerequisites, _("No prerequisite"))
    for number, entry in enumerate(form.prerequisites, start=1):
        entry.label.text = _("Prerequisite %(n)s", n=number)


def details_from(form: PublishForm) -> tuple[suggestions.ResourceDetails, str]:
    """What the form gives the service, and the field the licence came from."""
    licence, licence_field = pickers.licence_from(form.licence.data, form.licence_other.data)
    return suggestions.ResourceDetails(
        title=form.title.data or "", provider=form.provider.data or "", url=form.url.data or "",
        licence=licence, languages=form.languages.data or "", format=form.format.data or "",
        hours=form.hours.data, cost=form.cost.data or "",
        competencies=[LevelChoice(row.competency.data, row.level_from.data, row.level_to.data)
                      for row in (entry.form for entry in form.competencies)],
        description=form.description.data or "", certificate=form.certificate.data,
        offline=form.offline.data, accessibility=form.accessibility.data or (),
        prerequisites=[entry.data or "" for entry in form.prerequisites]), licence_field


def submit(form: PublishForm, suggestion: Suggestion):
    """Check the form in full; a response (the confirmation page, or the published resource) when
    nothing is wrong, None to show the form again with every problem."""
    form.validate()
    details, licence_field = details_from(form)
    try:
        checked = check_details(db.session, details)
    except ValidationFailed as exc:
        show_error(form, _moved(exc, licence_field))
        return None
    if form.errors:
        return None
    if form.confirmed.data != CONFIRMED:
        return render_template("catalogue/publish_confirm.html", suggestion=suggestion, checked=checked,
                               carried=_carried(), kind=catalogue.licence_kind(checked.licence),
                               levels=_level_names(checked), csrf_token=form.csrf_token)
    resource = suggestions.publish(db.session, current_actor(), suggestion, details, today=utcnow().date())
    db.session.commit()
    flash(_("%(title)s is published in the catalogue", title=resource.title), "success")
    return redirect(url_for("catalogue.resource", code=resource.code))


def _moved(exc: ValidationFailed, licence_field: str) -> ValidationFailed:
    """The licence's problem on the input it was typed in."""
    problems = getattr(exc, "problems", None) or [exc]
    return ManyProblems([ValidationFailed(str(p), field=licence_field if p.field == "licence" else p.field)
                         for p in problems])


def _carried() -> list[tuple[str, str]]:
    return [(name, value) for name, values in request.form.lists() if name not in _NOT_CARRIED
            for value in values]


def _level_names(checked: CheckedDetails) -> dict[int, dict[int, str]]:
    return {t.competency.id: catalogue.level_names(t.competency) for t in checked.taught}
