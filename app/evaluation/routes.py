"""Evaluation pages: an official's own progress across cycles, their behaviour follow-up surveys (L3),
the results indicators focal points keep for their countries (L4), and sending the follow-ups (admins).

Charts are SVG images served from their own URLs (image/svg+xml), each with the same numbers in a table
on its page. Own data only for officials; a focal point reaches only their countries' indicators: 404.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.authz import Scope, current_actor, get_scoped_or_404, require_role, signed_in, visible_countries
from app.evaluation import bp
from app.evaluation.forms import ActionForm, FollowUpForm, IndicatorForm, ValueForm
from app.evaluation.jobs import SEND
from app.extensions import db
from app.form_errors import show_error
from app.ids import arg_id, page_arg
from app.jobs import enqueue, job_or_404
from app.models import Country, Job, Organisation, Role
from app.models.base import utcnow
from app.services.errors import NotFound, ValidationFailed
from app.services.evaluation import charts, follow_ups, indicators, official_trend

STAFF = (Role.ADMIN, Role.FOCAL_POINT)


def _svg(body: bytes) -> Response:
    return Response(body, mimetype="image/svg+xml")


# An official's own progress ---------------------------------------------------------------------

def _trend_description(trend) -> str:
    return _("Your calibrated level in each competency, from 0 to %(max)s, in each assessment you "
             "submitted: %(cycles)s. The table below gives the same numbers.",
             max=trend.max_level, cycles=", ".join(c.label for c in trend.cycles))


@bp.get("/me")
@signed_in(Scope.OWN)
def me():
    trend = official_trend(db.session, current_user)
    surveys = follow_ups.open_for(db.session, current_user, utcnow())
    return render_template("evaluation/me.html", trend=trend, surveys=surveys,
                           description=_trend_description(trend) if not trend.empty else "")


@bp.get("/me/chart.svg")
@signed_in(Scope.OWN)
def my_chart():
    trend = official_trend(db.session, current_user)
    return _svg(charts.trend_chart(
        [c.label for c in trend.cycles], {c.name: c.levels for c in trend.competencies},
        title=_("Your level by competency, across assessments"), description=_trend_description(trend),
        axis_label=_("Calibrated level"), y_min=0, y_max=trend.max_level or None, integer_axis=True,
        value_format="{:.0f}", empty_label=_("No submitted assessment yet")))


# Behaviour follow-up surveys ---------------------------------------------------------------------

@bp.route("/follow-ups/<int:follow_up_id>", methods=["GET", "POST"])
@signed_in(Scope.OWN)
def follow_up(follow_up_id: int):
    try:
        record = follow_ups.follow_up_for(db.session, current_user, follow_up_id, utcnow())
    except NotFound:
        abort(404)
    form = FollowUpForm()
    if request.method == "GET" and record.answered_at is not None:
        form.applied.data, form.frequency.data = record.applied, record.frequency
        form.barriers.data, form.comment.data = list(record.barriers), record.comment
    if form.validate_on_submit():
        try:
            follow_ups.answer(db.session, current_user, record.id, applied=form.applied.data,
                              frequency=form.frequency.data, barriers=form.barriers.data or [],
                              comment=form.comment.data or "", now=utcnow())
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            return redirect(url_for("evaluation.follow_up_thanks", follow_up_id=record.id))
    return render_template("evaluation/follow_up.html", form=form, follow_up=record)


@bp.get("/follow-ups/<int:follow_up_id>/thanks")
@signed_in(Scope.OWN)
def follow_up_thanks(follow_up_id: int):
    try:
        record = follow_ups.follow_up_for(db.session, current_user, follow_up_id, utcnow())
    except NotFound:
        abort(404)
    if record.answered_at is None:
        return redirect(url_for("evaluation.follow_up", follow_up_id=record.id))
    return render_template("evaluation/follow_up_thanks.html", follow_up=record)


@bp.get("/follow-ups")
@require_role(Role.ADMIN)
def follow_ups_admin():
    jobs = db.session.scalars(select(Job).where(Job.kind == SEND).order_by(Job.id.desc()).limit(5))
    return render_template("evaluation/follow_ups.html",
                           counts=follow_ups.counts(db.session, utcnow()), jobs=list(jobs),
                           weeks=current_app.config["FOLLOW_UP_WEEKS"], action_form=ActionForm())


@bp.post("/follow-ups/send")
@require_role(Role.ADMIN)
def send_follow_ups():
    if not ActionForm().validate_on_submit():
        abort(400)
    job = enqueue(SEND, {}, created_by_id=current_user.id)
    return redirect(url_for("evaluation.follow_ups_job", job_id=job.id))


@bp.get("/follow-ups/jobs/<int:job_id>")
@require_role(Role.ADMIN)
def follow_ups_job(job_id: int):
    return render_template("evaluation/job.html", job=job_or_404(job_id, SEND))


# Results indicators (L4) -------------------------------------------------------------------------

def _indicator(indicator_id: int):
    try:
        return indicators.get_indicator(db.session, current_user, indicator_id)
    except NotFound:
        abort(404)


@bp.get("/indicators")
@require_role(*STAFF)
def indicator_list():
    countries = visible_countries()
    country_id = arg_id("country")
    page = db.paginate(indicators.indicators_query(current_user, country_id=country_id), page=page_arg(),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    counts = indicators.value_counts(db.session, [i.id for i in page.items])
    names = {c.id: c.name for c in countries}
    return render_template("evaluation/indicators.html", page=page, counts=counts, countries=countries,
                           country_id=country_id, country_names=names)


@bp.route("/indicators/new", methods=["GET", "POST"])
@require_role(*STAFF)
def new_indicator():
    form = IndicatorForm()
    form.country.choices = [(c.id, c.name) for c in visible_countries()]
    if request.method == "GET" and arg_id("country"):
        form.country.data = arg_id("country")
    if form.validate_on_submit():
        country = get_scoped_or_404(Country, form.country.data, lambda c: c.id)
        try:
            indicator = indicators.create_indicator(
                db.session, current_actor(), country=country, name=form.name.data,
                unit=form.unit.data or "", description=form.description.data or "")
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Indicator %(name)s created", name=indicator.name), "success")
            return redirect(url_for("evaluation.indicator", indicator_id=indicator.id))
    return render_template("evaluation/indicator_form.html", form=form, indicator=None)


@bp.route("/indicators/<int:indicator_id>/edit", methods=["GET", "POST"])
@require_role(*STAFF)
def edit_indicator(indicator_id: int):
    indicator = _indicator(indicator_id)
    form = IndicatorForm(obj=indicator)
    del form.country  # an indicator stays in its country
    if form.validate_on_submit():
        try:
            indicators.update_indicator(db.session, current_actor(), indicator, name=form.name.data,
                                        unit=form.unit.data or "", description=form.description.data or "")
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Indicator %(name)s saved", name=indicator.name), "success")
            return redirect(url_for("evaluation.indicator", indicator_id=indicator.id))
    return render_template("evaluation/indicator_form.html", form=form, indicator=indicator)


@bp.get("/indicators/<int:indicator_id>")
@require_role(*STAFF)
def indicator(indicator_id: int):
    record = _indicator(indicator_id)
    table = indicators.value_table(db.session, record)
    return render_template("evaluation/indicator.html", indicator=record, table=table,
                           country=db.session.get(Country, record.country_id),
                           description=_indicator_description(record, table), action_form=ActionForm())


def _series_name(organisation: Organisation | None) -> str:
    return organisation.name if organisation is not None else _("Country-wide")


def _indicator_description(record, table) -> str:
    if not table.rows:
        return _("No values recorded yet.")
    return _("Line chart of %(name)s for each organisation over the periods %(first)s to %(last)s. "
             "The table below gives the same numbers.", name=record.name, first=table.periods[0],
             last=table.periods[-1])


@bp.get("/indicators/<int:indicator_id>/chart.svg")
@require_role(*STAFF)
def indicator_chart(indicator_id: int):
    record = _indicator(indicator_id)
    table = indicators.value_table(db.session, record)
    unit = f" ({record.unit})" if record.unit else ""
    return _svg(charts.trend_chart(
        table.periods, {_series_name(org): values for org, values in table.series.items()},
        title=record.name, description=_indicator_description(record, table),
        axis_label=record.name + unit, value_format="{:g}", empty_label=_("No values recorded yet")))


@bp.route("/indicators/<int:indicator_id>/values", methods=["GET", "POST"])
@require_role(*STAFF)
def record_value(indicator_id: int):
    record = _indicator(indicator_id)
    organisations = list(db.session.scalars(
        select(Organisation).where(Organisation.country_id == record.country_id).order_by(Organisation.name)))
    form = ValueForm()
    form.organisation.choices = [(0, _("Country-wide"))] + [(o.id, o.name) for o in organisations]
    if request.method == "GET":
        form.organisation.data = arg_id("organisation") or 0
        form.period.data = request.args.get("period", "")
    if form.validate_on_submit():
        organisation = next((o for o in organisations if o.id == form.organisation.data), None)
        try:
            saved, previous = indicators.record_value(
                db.session, current_actor(), record, organisation=organisation, period=form.period.data,
                value=form.value.data)
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            where = _series_name(organisation)
            if previous is None:
                flash(_("Value for %(where)s, %(period)s saved", where=where, period=saved.period),
                      "success")
            else:
                flash(_("Value for %(where)s, %(period)s replaced (it was %(previous)s)", where=where,
                        period=saved.period, previous=f"{previous:g}"), "success")
            return redirect(url_for("evaluation.indicator", indicator_id=record.id))
    return render_template("evaluation/value_form.html", form=form, indicator=record)


@bp.post("/indicators/<int:indicator_id>/values/<int:value_id>/delete")
@require_role(*STAFF)
def delete_value(indicator_id: int, value_id: int):
    record = _indicator(indicator_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        removed = indicators.delete_value(db.session, current_actor(), record, value_id)
    except NotFound:
        abort(404)
    db.session.commit()
    flash(_("Value for %(period)s removed", period=removed.period), "success")
    return redirect(url_for("evaluation.indicator", indicator_id=record.id))
