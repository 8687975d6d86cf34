"""An official's learning: their plan, paths, progress with evidence, and feedback. Own data only: anything
else is a 404."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination

from app.authz import Scope, current_actor, signed_in
from app.extensions import db
from app.form_errors import show_error
from app.ids import page_arg
from app.learn import bp
from app.learn.forms import DISMISS_CHOICES, DismissForm, FeedbackForm, ProgressForm
from app.models import Progress, User
from app.services import audit
from app.services.errors import NotFound, ValidationFailed
from app.services.learning import plan_view, plans
from app.services.learning import progress as learning
from app.transactions import begin_writing

FORMAT_NAMES = {"course": _l("Course"), "video": _l("Video"), "guide": _l("Guide"),
                "toolkit": _l("Toolkit"), "community": _l("Community"), "book": _l("Book"),
                "path": _l("Course path")}
DISMISS_NAMES = {choice.value: choice.label for choice in DISMISS_CHOICES}


def language_label(code: str) -> str:
    """A language's name in the reader's language: "French", "français"..."""
    try:
        return Locale.parse(code, sep="-").get_display_name(str(get_locale() or "en")) or code
    except (ValueError, TypeError, UnknownLocaleError):
        return code


@bp.context_processor
def _names() -> dict:
    return {"format_names": FORMAT_NAMES, "dismiss_names": DISMISS_NAMES, "language_label": language_label}


def _today() -> date:
    """Today where the official works: a date "in the future" is judged in their time zone."""
    zone = current_user.country.time_zone if current_user.country else "UTC"
    return datetime.now(ZoneInfo(zone)).date()


def _evidence_dir() -> Path:
    return Path(current_app.instance_path) / "evidence"


def _back_to_plan(item_id: int | None = None):
    """To the plan; with ``item_id``, to that item on the page that shows it."""
    if not item_id:
        return redirect(url_for("learn.plan"))
    number = plan_view.page_of(db.session, current_user, item_id, current_app.config["PAGE_SIZE"])
    return redirect(url_for("learn.plan", page=number if number > 1 else None) + f"#item-{item_id}")


# The plan -------------------------------------------------------------------------------------------

class PlanPages(Pagination):
    """The pages of a plan, for the pagination macros: the page's entries and their total come from
    ``plan_view.plan_page`` (counted in SQL)."""

    def _query_items(self) -> list:
        return self._query_args["view"].entries

    def _query_count(self) -> int:
        return self._query_args["view"].total


@bp.get("/")
@signed_in(Scope.OWN)
def plan():
    number, size = page_arg(), current_app.config["PAGE_SIZE"]
    view = plan_view.plan_page(db.session, current_user, number, size)
    pages = PlanPages(page=number, per_page=size, error_out=False, view=view)
    return render_template("learn/plan.html", view=view, pages=pages, dismissal=learning.dismissal)


@bp.post("/refresh")
@signed_in(Scope.OWN)
def refresh():
    if plans.refresh_plan(db.session, current_user) is None:
        flash(_("Take an assessment first: your plan is built from its results."), "error")
    else:
        db.session.commit()
        flash(_("Your plan is up to date"), "success")
    return _back_to_plan()


def _item_action(item_id: int, action, message: str):
    try:
        action(db.session, current_user, item_id)
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        flash(str(exc), "error")
        return _back_to_plan(item_id)
    db.session.commit()
    if message:
        flash(message, "success")
    return _back_to_plan(item_id)


@bp.post("/items/<int:item_id>/accept")
@signed_in(Scope.OWN)
def accept(item_id: int):
    return _item_action(item_id, learning.accept, _("Added to your plan"))


@bp.post("/items/<int:item_id>/restore")
@signed_in(Scope.OWN)
def restore(item_id: int):
    return _item_action(item_id, learning.restore, _("Restored to your plan"))


@bp.post("/items/<int:item_id>/move/<any(up, down):direction>")
@signed_in(Scope.OWN)
def move(item_id: int, direction: str):
    return _item_action(item_id, lambda s, u, i: learning.move(s, u, i, direction), "")


@bp.route("/items/<int:item_id>/dismiss", methods=["GET", "POST"])
@signed_in(Scope.OWN)
def dismiss(item_id: int):
    entry = next((e for e in learning.plan_view(db.session, current_user).entries if e.item.id == item_id),
                 None)
    if entry is None:
        abort(404)
    form = DismissForm()
    if form.validate_on_submit():
        try:
            learning.dismiss(db.session, current_user, item_id, form.reason.data, form.detail.data or "")
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Dismissed: %(title)s", title=entry.title), "success")
            return _back_to_plan()
    return render_template("learn/dismiss.html", form=form, entry=entry)


# Paths ----------------------------------------------------------------------------------------------

@bp.get("/paths/<int:path_version_id>")
@signed_in(Scope.ANY)
def path(path_version_id: int):
    try:
        view = learning.path_view(db.session, current_user, path_version_id)
    except NotFound:
        abort(404)
    feedback = (learning.feedback_of(db.session, current_user, path_version_id=path_version_id)
                if view.enrolment and view.enrolment.completed_at else None)
    return render_template("learn/path.html", view=view, feedback=feedback,
                           steps=plan_view.group_alternatives(view.steps))


@bp.post("/paths/<int:path_version_id>/enrol")
@signed_in(Scope.ANY)
def enrol(path_version_id: int):
    try:
        enrolment = learning.enrol(db.session, current_user, path_version_id,
                                   follow_up_weeks=current_app.config["FOLLOW_UP_WEEKS"])
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        flash(str(exc), "error")
        return redirect(url_for("learn.path", path_version_id=path_version_id))
    db.session.commit()
    flash(_("You are enrolled in %(title)s", title=enrolment.path_version.title), "success")
    return redirect(url_for("learn.path", path_version_id=path_version_id))


# Progress and evidence --------------------------------------------------------------------------------

@bp.route("/resources/<int:resource_id>/progress", methods=["GET", "POST"])
@signed_in(Scope.ANY)
def progress(resource_id: int):
    try:
        resource = learning.learnable_resource(db.session, current_user, resource_id)
    except NotFound:
        abort(404)
    existing = learning.progress_of(db.session, current_user, resource_id)
    form = ProgressForm()
    if request.method == "GET" and existing is not None:
        form.status.data = existing.status if existing.status in learning.PROGRESS_STATUSES else None
        form.started_on.data, form.completed_on.data = existing.started_on, existing.completed_on
        form.evidence_url.data = existing.evidence_url
    if form.validate_on_submit():
        upload = form.evidence_file.data
        try:
            record = learning.record_progress(
                db.session, current_user, resource.id, status=form.status.data, today=_today(),
                started_on=form.started_on.data, completed_on=form.completed_on.data,
                evidence_url=form.evidence_url.data or "",
                upload=learning.Upload(upload.filename, upload.stream) if upload and upload.filename
                else None,
                evidence_dir=_evidence_dir(), follow_up_weeks=current_app.config["FOLLOW_UP_WEEKS"])
        except ValidationFailed as exc:  # raised before anything is written
            show_error(form, exc)
        else:
            db.session.commit()
            if record.status == "completed":
                flash(_("Well done: %(title)s is completed. How was it?", title=resource.title), "success")
                return redirect(url_for("learn.resource_feedback", resource_id=resource.id))
            flash(_("Progress saved"), "success")
            return _back_to_plan()
    return render_template("learn/progress.html", form=form, resource=resource, progress=existing)


@bp.get("/evidence/<int:progress_id>")
@signed_in(Scope.OWN, Scope.COUNTRY)
def evidence(progress_id: int):
    try:
        found = learning.evidence_file(db.session, current_user, progress_id, _evidence_dir())
    except NotFound:
        abort(404)
    progress = db.session.get(Progress, progress_id)  # in the session already: evidence_file loaded it
    if progress.user_id != current_user.id:  # staff looking at an official's evidence
        actor, owner = current_actor(), db.session.get(User, progress.user_id)
        event = {"country_id": owner.country_id, "details": {"user_id": owner.id}}
        begin_writing()  # the event in a writing transaction of its own: a GET has only read until now
        audit.record(db.session, actor, "evidence.download", audit.Subject("Progress", str(progress_id)),
                     **event)
        db.session.commit()
    return send_file(found.path, mimetype=found.media_type, download_name=found.download_name,
                     max_age=0, conditional=False)


# Feedback -------------------------------------------------------------------------------------------

def _feedback(target_kwargs: dict, back_url: str):
    try:
        target = learning.feedback_target(db.session, current_user, **target_kwargs)
    except NotFound:
        abort(404)
    existing = learning.feedback_of(db.session, current_user, **target_kwargs)
    form = FeedbackForm(obj=existing if request.method == "GET" else None)
    if request.method == "GET" and existing is not None:
        form.would_recommend.data = "yes" if existing.would_recommend else "no"
    if form.validate_on_submit():
        try:
            learning.give_feedback(db.session, current_user, rating=form.rating.data,
                                   relevance=form.relevance.data,
                                   would_recommend=form.would_recommend.data == "yes",
                                   comment=form.comment.data or "", **target_kwargs)
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Thank you for your feedback"), "success")
            return redirect(back_url)
    return render_template("learn/feedback.html", form=form, target=target, existing=existing,
                           back_url=back_url)


@bp.route("/resources/<int:resource_id>/feedback", methods=["GET", "POST"])
@signed_in(Scope.OWN)
def resource_feedback(resource_id: int):
    return _feedback({"resource_id": resource_id}, url_for("learn.plan"))


@bp.route("/paths/<int:path_version_id>/feedback", methods=["GET", "POST"])
@signed_in(Scope.OWN)
def path_feedback(path_version_id: int):
    return _feedback({"path_version_id": path_version_id},
                     url_for("learn.path", path_version_id=path_version_id))
