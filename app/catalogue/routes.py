"""The catalogue: search and resource pages for everyone signed in; suggestions; curation for admins."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from app.authz import Scope, current_actor, require_role, signed_in
from app.catalogue import bp, publishing
from app.catalogue.forms import (
    ACCESSIBILITY_LABELS,
    FORMAT_LABELS,
    ActionForm,
    PublishForm,
    RejectForm,
    SearchForm,
    SuggestForm,
)
from app.catalogue.jobs import LINKS_CHECK
from app.extensions import db
from app.form_errors import show_error
from app.ids import MAX_PAGE, page_arg, parse_id
from app.jobs import enqueue, job_or_404
from app.models import Job, Resource, Role, Suggestion
from app.models.base import utcnow
from app.pickers import wants_more_rows
from app.services import catalogue, catalogue_search, markdown, paths
from app.services.errors import NotFound, ValidationFailed
from app.services.learning import suggestions


def _page(stmt):
    return db.paginate(stmt, page=page_arg(), per_page=current_app.config["PAGE_SIZE"], error_out=False)


def _locale() -> str:
    return str(get_locale() or "en")


@bp.app_template_filter("language_name")
def _language_name(tag: str) -> str:
    return catalogue.language_name(tag, _locale())


@bp.app_context_processor
def _catalogue_labels() -> dict:
    return {"format_labels": FORMAT_LABELS, "accessibility_labels": ACCESSIBILITY_LABELS,
            "is_open_licence": catalogue.is_open_licence, "licence_kind": catalogue.licence_kind}


# Search and resource pages -----------------------------------------------------------------------

@bp.get("/")
@signed_in(Scope.ANY)
def index():
    form = SearchForm(request.args)
    choices = catalogue_search.filter_choices(db.session)
    form.competency.choices = [SelectChoice("", _("Any competency"))] + [
        SelectChoice(str(id_), label) for id_, label in choices.competencies]
    form.level.choices = [SelectChoice("", _("Any level"))] + [
        SelectChoice(str(level), label) for level, label in choices.levels]
    form.language.choices = [SelectChoice("", _("Any language"))] + [
        SelectChoice(tag, catalogue.language_name(tag, _locale())) for tag in choices.languages]
    if request.args:
        form.validate()
    filters = _filters(form)
    page = _page(catalogue_search.search_query(filters, include_retired=current_user.is_admin))
    args = {name: value for name, value in request.args.items() if name != "page"}
    # Paths match the words only: the filters (level, format, licence ...) describe one resource.
    matching_paths = paths.published_paths(db.session, filters.text)[:5] if filters.text else []
    return render_template("catalogue/index.html", form=form, page=page, args=args,
                           filtered=bool(args), matching_paths=matching_paths)


def _filters(form: SearchForm) -> catalogue_search.SearchFilters:
    """The filters of the fields that are valid; a field in error counts as "any"."""

    def value(field, default=None):
        return default if field.errors or field.data in (None, "") else field.data

    return catalogue_search.SearchFilters(
        text=value(form.q, ""),
        competency_id=int(value(form.competency, 0)) or None,
        level=int(value(form.level)) if value(form.level) is not None else None,
        language=value(form.language, ""),
        format=value(form.format, ""),
        licence=value(form.licence, ""),
        cost=value(form.cost, ""),
        max_hours=value(form.max_hours),
        offline=bool(value(form.offline, False)),
        sort=value(form.sort, "relevance"),
    )


@bp.get("/resources/<code>")
@signed_in(Scope.ANY)
def resource(code: str):
    try:
        item = catalogue.get_resource(db.session, code, include_retired=current_user.is_admin)
    except NotFound:
        abort(404)
    return render_template(
        "catalogue/resource.html", resource=item, ranges=catalogue.level_ranges(item),
        prerequisites=catalogue.prerequisites_of(db.session, item,
                                                 include_retired=current_user.is_admin),
        description=markdown.render(item.description),
        json_ld=catalogue.json_for_script(catalogue.json_ld(item)),
        licence_url=catalogue.licence_url(item.licence), action_form=ActionForm())


# Suggestions: anyone signed in -------------------------------------------------------------------

@bp.route("/suggest", methods=["GET", "POST"])
@signed_in(Scope.OWN)
def suggest():
    form = SuggestForm()
    existing = None
    if form.validate_on_submit():
        try:
            suggestions.suggest(db.session, current_user, url=form.url.data, reason=form.reason.data,
                                title=form.title.data)
        except suggestions.AlreadyInCatalogue as exc:
            existing = exc.resource
            form.url.errors = [*form.url.errors, _("This is already in the catalogue")]
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Thank you: an admin will review your suggestion"), "success")
            return redirect(url_for("catalogue.my_suggestions"))
    return render_template("catalogue/suggest.html", form=form, existing=existing)


@bp.get("/suggestions/mine")
@signed_in(Scope.OWN)
def my_suggestions():
    page = _page(suggestions.mine_query(current_user))
    return render_template("catalogue/my_suggestions.html", page=page)


# Curation: admins --------------------------------------------------------------------------------

@bp.get("/suggestions")
@require_role(Role.ADMIN)
def review():
    page = _page(suggestions.pending_query())
    duplicates = suggestions.find_duplicates(db.session, page.items)
    return render_template("catalogue/suggestions.html", page=page, duplicates=duplicates)


def _pending(suggestion_id: int) -> Suggestion:
    suggestion = db.get_or_404(Suggestion, suggestion_id)
    if suggestion.status != suggestions.PENDING:
        flash(_("This suggestion was already %(status)s", status=_(suggestion.status)), "error")
        abort(redirect(url_for("catalogue.review")))
    return suggestion


@bp.route("/suggestions/<int:suggestion_id>/publish", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def publish(suggestion_id: int):
    """The form, then a confirmation page (its Publish posts the same values, confirmed), then the
    resource; "Change" on the confirmation and "Add more rows" show the form again as it was."""
    suggestion = _pending(suggestion_id)
    form = PublishForm()
    if request.method == "GET":
        form.url.data, form.title.data = suggestion.url, suggestion.title
    elif not wants_more_rows() and request.form.get("action") != "change":
        response = publishing.submit(form, suggestion)
        if response is not None:
            return response
    publishing.prepare(form)
    duplicates = suggestions.find_duplicates(db.session, [suggestion])[suggestion.id]
    return render_template("catalogue/publish.html", form=form, suggestion=suggestion,
                           duplicates=duplicates)


@bp.route("/suggestions/<int:suggestion_id>/reject", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def reject(suggestion_id: int):
    suggestion = _pending(suggestion_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            suggestions.reject(db.session, current_actor(), suggestion, form.reason.data)
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("The suggestion is rejected; its author can see why"), "success")
            return redirect(url_for("catalogue.review"))
    duplicates = suggestions.find_duplicates(db.session, [suggestion])[suggestion.id]
    return render_template("catalogue/reject.html", form=form, suggestion=suggestion,
                           duplicates=duplicates)


def _back_to(resource: Resource):
    if request.args.get("from") == "stale":
        return redirect(url_for("catalogue.stale",  # after the action: a bad page number only drops it
                                page=parse_id(request.args.get("page"), maximum=MAX_PAGE)))
    return redirect(url_for("catalogue.resource", code=resource.code))


@bp.post("/resources/<int:resource_id>/retire")
@require_role(Role.ADMIN)
def retire(resource_id: int):
    return _curate(resource_id, catalogue.retire,
                   _("%(title)s is retired: officials no longer find it"))


@bp.post("/resources/<int:resource_id>/restore")
@require_role(Role.ADMIN)
def restore(resource_id: int):
    return _curate(resource_id, catalogue.restore, _("%(title)s is back in the catalogue"))


@bp.post("/resources/<int:resource_id>/reviewed")
@require_role(Role.ADMIN)
def mark_reviewed(resource_id: int):
    return _curate(resource_id,
                   lambda session, actor, item: catalogue.mark_reviewed(session, actor, item,
                                                                        utcnow().date()),
                   _("%(title)s is marked as reviewed today"))


def _curate(resource_id: int, action, message: str):
    item = db.get_or_404(Resource, resource_id)
    if ActionForm().validate_on_submit():
        try:
            action(db.session, current_actor(), item)
        except ValidationFailed as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(message % {"title": item.title}, "success")
    return _back_to(item)


@bp.get("/stale")
@require_role(Role.ADMIN)
def stale():
    today = utcnow().date()
    page = _page(catalogue.stale_query(today))
    return render_template("catalogue/stale.html", page=page,
                           before=catalogue.stale_before(today), action_form=ActionForm())


@bp.get("/links")
@require_role(Role.ADMIN)
def broken_links():
    page = _page(catalogue.broken_links_query())
    jobs = db.session.scalars(select(Job).where(Job.kind == LINKS_CHECK)
                              .order_by(Job.id.desc()).limit(5))
    return render_template("catalogue/links.html", page=page, jobs=list(jobs),
                           action_form=ActionForm())


@bp.post("/links/check")
@require_role(Role.ADMIN)
def check_links():
    if not ActionForm().validate_on_submit():
        abort(400)
    job = enqueue(LINKS_CHECK, {"stale_days": None}, created_by_id=current_user.id)
    return redirect(url_for("catalogue.job", job_id=job.id))


@bp.get("/jobs/<int:job_id>")
@require_role(Role.ADMIN)
def job(job_id: int):
    return render_template("catalogue/job.html", job=job_or_404(job_id, LINKS_CHECK))
