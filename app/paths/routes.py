"""Course paths: admins compose drafts, preview them as an official would, and publish versions."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.admin.forms import ActionForm
from app.authz import current_actor, require_role
from app.extensions import db
from app.form_errors import show_error
from app.models import Competency, CoursePath, PathVersion, Role, RoleProfile
from app.paths import bp
from app.paths.forms import PathForm
from app.services import paths
from app.services.errors import ValidationFailed


def _choices(form: PathForm) -> None:
    form.role_profiles.choices = [
        (r.id, r.name) for r in db.session.scalars(
            select(RoleProfile).where(RoleProfile.retired.is_(False)).order_by(RoleProfile.name))]
    form.competencies.choices = [
        (c.id, f"{c.code} · {c.name}") for c in db.session.scalars(
            select(Competency).where(Competency.retired.is_(False))
            .order_by(Competency.framework_id, Competency.position))]


def _draft_from(form: PathForm) -> paths.PathDraft:
    return paths.PathDraft(
        title=form.title.data or "", description=form.description.data or "",
        steps=paths.parse_steps(form.steps.data or ""),
        role_profile_ids=form.role_profiles.data or [], competency_ids=form.competencies.data or [],
        prerequisites=[c.strip() for c in (form.prerequisites.data or "").split(",") if c.strip()])


@bp.get("/")
@require_role(Role.ADMIN)
def index():
    return render_template("paths/index.html", paths=paths.paths_overview(db.session))


@bp.route("/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def new():
    form = PathForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            version = paths.create_path(db.session, current_actor(), form.code.data or "",
                                        _draft_from(form))
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Draft saved. Preview it, then publish when it is ready."), "success")
            return redirect(url_for("paths.version", version_id=version.id))
    return render_template("paths/form.html", form=form, version=None)


@bp.route("/versions/<int:version_id>/edit", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit(version_id: int):
    version = db.get_or_404(PathVersion, version_id)
    if version.status != "draft":
        # Editing a published path makes a new draft version; the published one never changes.
        draft = paths.draft_of(db.session, current_actor(), version.path)
        db.session.commit()
        return redirect(url_for("paths.edit", version_id=draft.id))
    form = PathForm(obj=version)
    _choices(form)
    del form.code
    if not form.is_submitted():
        form.steps.data = paths.format_steps(version)
        form.role_profiles.data = [r.id for r in version.role_profiles]
        form.competencies.data = [c.id for c in version.competencies]
        form.prerequisites.data = ", ".join(version.prerequisites)
    if form.validate_on_submit():
        try:
            paths.save_draft(db.session, current_actor(), version, _draft_from(form))
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Draft saved"), "success")
            return redirect(url_for("paths.version", version_id=version.id))
    return render_template("paths/form.html", form=form, version=version)


@bp.get("/versions/<int:version_id>")
@require_role(Role.ADMIN)
def version(version_id: int):
    """The path version as an official would see it, with the admin's actions."""
    path_version = db.get_or_404(PathVersion, version_id)
    return render_template("paths/version.html", version=path_version,
                           hours=paths.estimated_hours(path_version), action_form=ActionForm())


@bp.post("/versions/<int:version_id>/publish")
@require_role(Role.ADMIN)
def publish(version_id: int):
    path_version = db.get_or_404(PathVersion, version_id)
    if ActionForm().validate_on_submit():
        try:
            paths.publish(db.session, current_actor(), path_version)
        except ValidationFailed as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Version %(n)s of %(title)s is published", n=path_version.version,
                    title=path_version.title), "success")
    return redirect(url_for("paths.version", version_id=path_version.id))


@bp.get("/<int:path_id>")
@require_role(Role.ADMIN)
def path(path_id: int):
    course_path = db.get_or_404(CoursePath, path_id)
    return redirect(url_for("paths.version", version_id=course_path.versions[-1].id))
