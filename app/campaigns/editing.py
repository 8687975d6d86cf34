"""Changing a campaign once it exists (window, organisations, reminder schedule), and the invitations
file template: pages for focal points (their countries) and admins (every country)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from app.authz import current_actor, get_scoped_or_404, require_role
from app.campaigns import bp
from app.campaigns.forms import campaign_edit_form
from app.dashboard.export import csv_response
from app.extensions import db
from app.formatting import datetime_text
from app.models import Campaign, Organisation, Role
from app.models.base import utcnow
from app.services.assessment import campaign_edit, invite_file
from app.services.assessment.campaign_edit import Change
from app.services.errors import ManyProblems, ValidationFailed

STAFF = (Role.ADMIN, Role.FOCAL_POINT)
FIELDS = {"opens": "opens_date", "closes": "closes_date"}  # a service field -> the form field shown


def _said(change: Change, zone: str) -> str:
    """One change, in words, for the confirmation."""
    if change.what == "invitations":
        return ngettext("%(num)s invitation withdrawn", "%(num)s invitations withdrawn", int(change.after))
    if change.what in ("opens", "closes"):
        before, after = (datetime_text(moment, zone) for moment in (change.before, change.after))
        return (_("opens %(after)s (was %(before)s)", after=after, before=before) if change.what == "opens"
                else _("closes %(after)s (was %(before)s)", after=after, before=before))
    return {"organisations": _("organisations: %(after)s", after=change.after),
            "reminders": _("reminders: %(after)s", after=change.after)}[change.what]


def _show(form, exc: ManyProblems) -> None:
    """Each problem on its field; a field with several says them all in one message (a field and the
    error summary show one message each)."""
    said: dict[str, list[str]] = {}
    for problem in exc.problems:
        name = FIELDS.get(problem.field or "", problem.field or "")
        if getattr(form, name, None) is None:
            flash(str(problem), "error")
        else:
            said.setdefault(name, []).append(str(problem))
    for name, messages in said.items():
        getattr(form, name).errors = [". ".join(messages)]


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@require_role(*STAFF)
def edit(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id, lambda c: c.country_id)
    zone = campaign.country.time_zone
    organisations = list(db.session.scalars(select(Organisation).where(
        Organisation.country_id == campaign.country_id).order_by(Organisation.name)))
    form = campaign_edit_form(campaign, organisations, zone)
    if form.validate_on_submit():
        opens, closes = form.local_times()
        chosen = set(form.organisations.data)
        try:
            changes = campaign_edit.edit_campaign(db.session, current_actor(), campaign, campaign_edit.Edit(
                opens_local=opens, closes_local=closes,
                organisations=[o for o in organisations if o.id in chosen],
                reminder_days=form.reminder_days.data or []), utcnow())
        except ManyProblems as exc:  # found before anything was written
            _show(form, exc)
        except ValidationFailed as exc:
            flash(str(exc), "error")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
        else:
            db.session.commit()
            flash(_("Campaign changes saved: %(what)s", what="; ".join(_said(c, zone) for c in changes))
                  if changes else _("Nothing was changed"), "success")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    elif not form.is_submitted() and campaign_edit.closed(campaign, utcnow()):
        flash(campaign_edit.closed(campaign, utcnow()), "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return render_template("campaigns/edit.html", campaign=campaign, form=form, zone=zone)


@bp.get("/invitations-template.csv")
@require_role(*STAFF)
def invitations_template():
    """The invitations file the importer reads, with its header and one example row."""
    return csv_response("invitations-template.csv", invite_file.template_csv())
