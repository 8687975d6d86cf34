"""Campaign pages, for focal points (their countries) and admins (every country)."""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from app.auth.mail import public_url, token_url
from app.authz import current_actor, get_scoped_or_404, require_role, visible_countries
from app.campaigns import bp
from app.campaigns.forms import (
    ActionForm,
    CountryChoiceForm,
    InviteUploadForm,
    campaign_form,
    move_choices_form,
    organisation_assessment_form,
)
from app.campaigns.jobs import INVITE, REMIND
from app.campaigns.wording import invited_message
from app.dashboard.export import csv_response
from app.extensions import db
from app.formatting import date_text, datetime_text
from app.ids import arg_id, page_arg
from app.jobs import add as add_job
from app.jobs import job_or_404, require_queue
from app.learn.jobs import PLANS_BUILD
from app.models import (
    Campaign,
    Country,
    Instrument,
    InviteFile,
    Job,
    Organisation,
    Role,
    RoleProfile,
)
from app.models.base import utcnow
from app.pagination import ListPagination
from app.services.assessment import campaigns, invites, org_maturity
from app.services.assessment.invite_file import MAX_BYTES
from app.services.errors import NotFound, ValidationFailed
from app.services.spreadsheet import csv_text

STAFF = (Role.ADMIN, Role.FOCAL_POINT)
ERRORS_PER_PAGE = 50


@bp.context_processor
def _helpers() -> dict:
    def in_country_time(moment: datetime | None, campaign: Campaign) -> str:
        return datetime_text(moment, campaign.country.time_zone)  # "" for None

    def percent(rate: float | None) -> str:
        return "–" if rate is None else f"{rate:.0%}"

    def reminder_words(days: list[int] | None) -> str:
        return ", ".join(ngettext("%(num)s day before closing", "%(num)s days before closing", d)
                         for d in days) if days else _("None")

    return {"in_country_time": in_country_time, "percent": percent, "level_for": org_maturity.level_for,
            "reminder_words": reminder_words}


def _campaign(campaign_id: int) -> Campaign:
    return get_scoped_or_404(Campaign, campaign_id, lambda c: c.country_id)


# List and creation -------------------------------------------------------------------------------

@bp.get("/")
@require_role(*STAFF)
def index():
    countries = visible_countries()
    country_id = arg_id("country")
    page = db.paginate(campaigns.campaigns_query(current_user, country_id=country_id), page=page_arg(),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    figures = campaigns.figures_by_campaign(db.session, [c.id for c in page.items])
    now = utcnow()
    states = {c.id: campaigns.window_state(c, now) for c in page.items}
    return render_template("campaigns/index.html", page=page, figures=figures, states=states,
                           countries=countries, country_id=country_id)


@bp.route("/new", methods=["GET", "POST"])
@require_role(*STAFF)
def new():
    countries = visible_countries()
    country_id = arg_id("country")
    if country_id is None and len(countries) == 1:
        country_id = countries[0].id
    if country_id is None:
        choice = CountryChoiceForm(request.args)
        choice.country.choices = [(c.id, c.name) for c in countries]
        return render_template("campaigns/choose_country.html", form=choice)
    country = get_scoped_or_404(Country, country_id, lambda c: c.id)

    organisations = list(db.session.scalars(
        select(Organisation).where(Organisation.country_id == country.id).order_by(Organisation.name)))
    profiles = list(db.session.scalars(
        select(RoleProfile).where(RoleProfile.retired.is_(False)).order_by(RoleProfile.name)))
    instruments = list(db.session.scalars(campaigns.individual_instruments_query()))
    baselines = campaigns.baseline_choices(db.session, country)
    form = campaign_form(organisations, profiles,
                         [(i.id, f"{i.name} ({i.code}, version {i.version})") for i in instruments],
                         [(c.id, f"{c.name} ({c.cycle_label}, {date_text(c.opens_at, country.time_zone)})")
                          for c in baselines])
    if form.validate_on_submit():
        chosen = set(form.organisations.data or [])
        by_profile = {p.id: p for p in profiles}
        opens, closes = form.local_times()
        try:
            campaign = campaigns.create_campaign(
                db.session, current_actor(), country=country,
                instrument=db.session.get(Instrument, form.instrument.data),
                name=form.name.data, cycle_label=form.cycle_label.data,
                opens_local=opens, closes_local=closes,
                organisations=None if form.scope.data == "all"
                else [o for o in organisations if o.id in chosen],
                role_profiles={org_id: by_profile.get(profile_id)
                               for org_id, profile_id in form.chosen_role_profiles().items()
                               if form.scope.data == "all" or org_id in chosen},
                baseline=next((c for c in baselines if c.id == form.baseline.data), None),
                measurement=campaigns.Measurement(
                    min_checks=2 if form.min_checks.data is None else form.min_checks.data,
                    require_self_rating=not form.without_self_rating.data, adaptive=form.adaptive.data),
            )
        except ValidationFailed as exc:
            field = {"opens": form.opens_date, "closes": form.closes_date}.get(exc.field or "") \
                or getattr(form, exc.field or "", None)
            if field is not None and hasattr(field, "errors"):
                field.errors = [*field.errors, str(exc)]
            else:
                flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Campaign %(name)s created", name=campaign.name), "success")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return render_template("campaigns/new.html", form=form, country=country,
                           has_instruments=bool(instruments))


# The campaign page and its actions ---------------------------------------------------------------

@bp.get("/<int:campaign_id>")
@require_role(*STAFF)
def show(campaign_id: int):
    campaign = _campaign(campaign_id)
    recent = [job for job in db.session.scalars(
        select(Job).where(Job.country_id == campaign.country_id, Job.kind.in_((INVITE, REMIND, PLANS_BUILD)))
        .order_by(Job.id.desc()).limit(50)) if job.params.get("campaign_id") == campaign.id]
    jobs = [job for job in recent if job.kind != PLANS_BUILD][:5]
    plan_jobs = [job for job in recent if job.kind == PLANS_BUILD][:5]
    files = db.session.scalars(select(InviteFile).where(InviteFile.campaign_id == campaign.id)
                               .order_by(InviteFile.id.desc()).limit(5))
    return render_template(
        "campaigns/show.html", campaign=campaign, state=campaigns.window_state(campaign, utcnow()),
        ends_at=campaigns.ends_at(campaign),
        figures=campaigns.figures_by_organisation(db.session, campaign),
        assessments=org_maturity.assessments_by_organisation(db.session, campaign),
        jobs=jobs, plan_jobs=plan_jobs, files=list(files), action_form=ActionForm())


@bp.route("/<int:campaign_id>/remind", methods=["GET", "POST"])
@require_role(*STAFF)
def remind(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = ActionForm()
    if form.validate_on_submit():
        require_queue()  # before anything is counted: a refusal leaves no trace to double on a retry
        try:
            ids = campaigns.record_reminders(db.session, current_actor(), campaign, utcnow())
        except ValidationFailed as exc:
            flash(str(exc), "error")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
        if not ids:
            db.session.commit()
            flash(_("Everyone invited has submitted: nobody to remind"), "success")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
        # The counters, the audit event and the job in one transaction; the job starts once it commits.
        job = add_job(REMIND, {"campaign_id": campaign.id, "invitation_ids": ids},
                      country_id=campaign.country_id, created_by_id=current_user.id)
        db.session.commit()
        flash(_("Reminders are being sent to %(count)s officials who have not submitted",
                count=len(ids)), "success")
        return redirect(url_for("campaigns.job", job_id=job.id))
    return render_template("campaigns/remind.html", campaign=campaign, form=form,
                           count=campaigns.reminder_count(db.session, campaign))


@bp.route("/<int:campaign_id>/close", methods=["GET", "POST"])
@require_role(*STAFF)
def close(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            campaigns.close_early(db.session, current_actor(), campaign, utcnow())
        except ValidationFailed as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Campaign %(name)s is closed", name=campaign.name), "success")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return render_template("campaigns/close.html", campaign=campaign, form=form,
                           state=campaigns.window_state(campaign, utcnow()))


# Inviting officials ------------------------------------------------------------------------------

@bp.route("/<int:campaign_id>/invite", methods=["GET", "POST"])
@require_role(*STAFF)
def invite(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = InviteUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            invite_file = invites.stage_file(db.session, current_actor(), campaign,
                                             upload.read(MAX_BYTES + 1), upload.filename or "")
        except ValidationFailed as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            db.session.commit()
            return redirect(url_for("campaigns.invite_file", campaign_id=campaign.id,
                                    file_id=invite_file.id))
    return render_template("campaigns/invite.html", campaign=campaign, form=form)


def _invite_file(campaign: Campaign, file_id: int) -> InviteFile:
    invite_file = db.session.get(InviteFile, file_id)
    if invite_file is None or invite_file.campaign_id != campaign.id:
        abort(404)
    return invite_file


@bp.get("/<int:campaign_id>/invite-files/<int:file_id>")
@require_role(*STAFF)
def invite_file(campaign_id: int, file_id: int):
    campaign = _campaign(campaign_id)
    staged = _invite_file(campaign, file_id)
    return _checked_file_page(campaign, staged, move_choices_form(invites.move_warnings(staged)))


def _checked_file_page(campaign: Campaign, staged: InviteFile, form):
    errors = ListPagination(page=page_arg(), per_page=ERRORS_PER_PAGE,
                            error_out=False, items=staged.errors)
    return render_template("campaigns/invite_file.html", campaign=campaign, staged=staged,
                           errors=errors, counts=invites.problem_counts(staged), form=form,
                           warnings=invites.move_warnings(staged))


@bp.post("/<int:campaign_id>/invite-files/<int:file_id>/import")
@require_role(*STAFF)
def import_file(campaign_id: int, file_id: int):
    campaign = _campaign(campaign_id)
    staged = _invite_file(campaign, file_id)
    form = move_choices_form(invites.move_warnings(staged))
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _checked_file_page(campaign, staged, form)  # a choice is missing: say which
    require_queue()  # the invitations are e-mailed by a job: refuse before any account is written
    try:
        result = invites.import_file(db.session, current_actor(), staged, choices=form.choices())
    except ValidationFailed as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("campaigns.invite_file", campaign_id=campaign.id, file_id=staged.id))
    # The accounts, invitations and the job that e-mails them in one transaction.
    job = add_job(INVITE, {"campaign_id": campaign.id, "inviter": current_user.name},
                  country_id=campaign.country_id, created_by_id=current_user.id)
    db.session.commit()
    flash(invited_message(result), "success")
    return redirect(url_for("campaigns.job", job_id=job.id))


@bp.post("/<int:campaign_id>/plans")
@require_role(*STAFF)
def build_plans(campaign_id: int):
    """Build (or refresh) the learning plan of every official who submitted in the campaign: a
    background job, written with nothing else and started once it is committed."""
    campaign = _campaign(campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    require_queue()
    job = add_job(PLANS_BUILD, {"campaign_id": campaign.id}, country_id=campaign.country_id,
                  created_by_id=current_user.id)
    db.session.commit()
    return redirect(url_for("campaigns.job", job_id=job.id))


@bp.get("/jobs/<int:job_id>")
@require_role(*STAFF)
def job(job_id: int):
    record = job_or_404(job_id, INVITE, REMIND, PLANS_BUILD)
    campaign = _campaign(record.params["campaign_id"])
    return render_template("campaigns/job.html", job=record, campaign=campaign)


@bp.post("/<int:campaign_id>/links.csv")
@require_role(*STAFF)
def links(campaign_id: int):
    campaign = _campaign(campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    rows = invites.link_rows(db.session, current_actor(), campaign,
                             current_app.config["TOKEN_HOURS"]["invite"])
    db.session.commit()  # the new tokens must exist before anyone follows a link
    sign_in = public_url("auth.login")
    body = csv_text(
        ["email", "name", "organisation", "link"],
        ([row.email, row.name, row.organisation, token_url(row.token) if row.token else sign_in]
         for row in rows))
    return csv_response(f"campaign-{campaign.id}-links.csv", body, {"Cache-Control": "no-store"})


# The organisation assessment ---------------------------------------------------------------------

@bp.route("/<int:campaign_id>/organisations/<int:organisation_id>/assessment", methods=["GET", "POST"])
@require_role(*STAFF)
def organisation_assessment(campaign_id: int, organisation_id: int):
    campaign = _campaign(campaign_id)
    link = next((co for co in campaign.organisations if co.organisation_id == organisation_id), None)
    if link is None:
        abort(404)
    organisation = link.organisation
    existing = org_maturity.find(db.session, campaign, organisation)
    try:
        instrument = existing.instrument if existing else org_maturity.organisation_instrument(
            db.session, campaign)
    except NotFound as exc:
        flash(str(exc), "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    items = org_maturity.maturity_items(instrument)
    form = organisation_assessment_form(items, existing.answers if existing else {})
    submitted = existing is not None and existing.submitted_at is not None
    if not submitted and form.validate_on_submit():
        try:
            org_maturity.save(db.session, current_actor(), campaign, organisation, form.answers(),
                              submit=bool(form.submit.data))
        except ValidationFailed as exc:
            db.session.rollback()
            field = form.field_for(exc.field) if exc.field else None
            if field is not None:
                field.errors = [*field.errors, str(exc)]
            else:
                flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Assessment of %(name)s submitted", name=organisation.name) if form.submit.data
                  else _("Your answers for %(name)s are saved; come back to finish",
                         name=organisation.name), "success")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id) if form.submit.data
                            else request.path)
    maturity = org_maturity.score(items, existing.answers) if existing else None
    return render_template("campaigns/organisation_assessment.html", campaign=campaign,
                           organisation=organisation, instrument=instrument, form=form,
                           assessment=existing, submitted=submitted, maturity=maturity)
