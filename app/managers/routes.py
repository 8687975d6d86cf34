"""The line manager's pages: their reports' submitted assessments, and confirming or adjusting the levels;
and the official's page naming their line manager.

Who may use them: anyone signed in, but a manager only ever reaches the attempts they were asked to
review (``Attempt.manager_id``, see app.services.assessment.validation); anything else is a 404.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import Scope, current_actor, require_role
from app.extensions import db
from app.form_errors import show_error
from app.formatting import datetime_text
from app.learn.refresh import refresh_plan_quietly
from app.managers import bp
from app.managers.forms import ManagerForm, review_form
from app.models import Role
from app.models.base import utcnow
from app.services.assessment import validation
from app.services.assessment.window import OutsideWindow
from app.services.errors import NotFound, ValidationFailed

EVERYONE = (Role.OFFICIAL, Role.FOCAL_POINT, Role.ADMIN)  # scoped by the queries, not by role


def _when(moment: datetime, time_zone: str) -> str:
    """"3 March 2027 at 09:00" in the campaign's country's time zone."""
    return datetime_text(moment, time_zone)


@bp.context_processor
def _helpers() -> dict:
    return {"when": _when}


def _closed_message(page: validation.ReviewPage) -> str:
    zone = page.attempt.campaign.country.time_zone
    return _("The campaign closed on %(when)s (%(zone)s), so these levels can no longer be confirmed "
             "or adjusted.", when=_when(page.closes_at, zone), zone=zone)


# The manager's pages --------------------------------------------------------------------------------

@bp.get("/")
@require_role(*EVERYONE, scope=Scope.REPORTS)
def index():
    return render_template("managers/index.html", reports=validation.reports(db.session, current_user))


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@require_role(*EVERYONE, scope=Scope.REPORTS)
def review(attempt_id: int):
    try:
        page = validation.review_page(db.session, current_user, attempt_id, utcnow())
    except NotFound:
        abort(404)
    form = review_form(page) if page.editable else None
    if form is None:
        return render_template("managers/review.html", page=page, form=None,
                               closed_message=_closed_message(page))
    if form.validate_on_submit():
        try:
            attempt = validation.save_review(db.session, current_actor(), attempt_id, form.decisions(),
                                             utcnow())
        except OutsideWindow:  # it closed while the page was open
            db.session.rollback()
            return redirect(url_for("managers.review", attempt_id=attempt_id))
        except ValidationFailed as exc:  # raised before anything is changed
            show_error(form, exc)
        else:
            db.session.commit()
            refresh_plan_quietly(attempt.user)
            flash(_("Your review of %(name)s's assessment is saved.", name=attempt.user.name), "success")
            return redirect(url_for("managers.index"))
    return render_template("managers/review.html", page=page, form=form, closed_message=None)


# The official names their manager -------------------------------------------------------------------

@bp.route("/line-manager", methods=["GET", "POST"])
@require_role(Role.OFFICIAL, scope=Scope.OWN)
def line_manager():
    form = ManagerForm()
    if not form.is_submitted():
        form.manager_email.data = current_user.manager.email if current_user.manager else ""
    elif form.validate():
        try:
            manager = validation.set_manager(db.session, current_actor(), current_user,
                                             form.manager_email.data or "")
        except ValidationFailed as exc:  # raised before anything is changed
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("%(name)s is now your line manager.", name=manager.name) if manager
                  else _("You have no line manager named now."), "success")
            return redirect(url_for("managers.line_manager"))
    return render_template("managers/line_manager.html", form=form)
