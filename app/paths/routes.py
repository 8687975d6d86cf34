"""Course paths: admins compose drafts from picked resources, preview them as an official would, and
publish versions after a confirmation; everyone signed in browses and searches the published ones."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin.forms import ActionForm
from app.authz import Scope, current_actor, require_role, signed_in
from app.extensions import db
from app.form_errors import show_error
from app.models import Competency, CoursePath, PathVersion, Role, RoleProfile
from app.paths import bp
from app.paths.forms import PathForm
from app.paths.jobs import add_plans_refresh
from app.pickers import grow, keep_current, resource_choices, set_resource_choices, wants_more_rows
from app.services import paths
from app.services.errors import ManyProblems, ValidationFailed


def _choices(form: PathForm) -> None:
    grow(form.steps, 2, minimum=4)
    grow(form.prerequisites, 1, minimum=2)
    form.role_profiles.choices = [
        (r.id, r.name) for r in db.session.scalars(
            select(RoleProfile).where(RoleProfile.retired.is_(False)).order_by(RoleProfile.name))]
    form.competencies.choices = [
        (c.id, f"{c.name} ({c.code})") for c in db.session.scalars(
            select(Competency).where(Competency.retired.is_(False))
            .order_by(Competency.framework_id, Competency.position))]
    steps = resource_choices(_("Choose a resource"))
    for number, entry in enumerate(form.steps, start=1):
        keep_current(entry.form.resource, steps)
        entry.form.resource.label.text = _("Step %(n)s: resource", n=number)
    set_resource_choices(form.prerequisites, _("No prerequisite"))
    for number, entry in enumerate(form.prerequisites, start=1):
        entry.label.text = _("Prerequisite %(n)s", n=number)


def _rows(form: PathForm) -> list[paths.StepChoice]:
    return [paths.StepChoice(entry.form.resource.data or "", bool(entry.form.alternative.data),
                             bool(entry.form.optional.data)) for entry in form.steps]


def _checked_draft(form: PathForm, code: str | None = None) -> paths.PathDraft | None:
    """The draft the form gives if nothing is wrong with it; else None, every problem on the form."""
    form.validate()
    steps, problems = paths.read_step_rows(_rows(form))
    draft = paths.PathDraft(
        title=form.title.data or "", description=form.description.data or "", steps=steps,
        role_profile_ids=[i for i in form.role_profiles.data or [] if i],
        competency_ids=[i for i in form.competencies.data or [] if i],
        prerequisites=[code for code in (entry.data for entry in form.prerequisites) if code])
    problems += [p for p in paths.draft_problems(db.session, draft, code)
                 if not (problems and p.field == "steps")]  # rows already said what is missing
    if problems or form.errors:
        show_error(form, ManyProblems(problems))
        return None
    return draft


@bp.get("/")
@signed_in(Scope.ANY)
def index():
    """Admins: every path and its versions. Everyone else: the published paths, searchable."""
    if current_user.is_admin:
        return render_template("paths/index.html", paths=paths.paths_overview(db.session))
    query = (request.args.get("q") or "").strip()[:200]
    versions = paths.published_paths(db.session, query)
    return render_template("paths/browse.html", versions=versions, query=query,
                           step_counts={v.id: len(paths.display_steps(v)) for v in versions})


@bp.route("/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def new():
    form = PathForm()
    submitted = request.method == "POST" and not wants_more_rows()
    if submitted and (draft := _checked_draft(form, form.code.data or "")) is not None:
        version = paths.create_path(db.session, current_actor(), form.code.data or "", draft)
        db.session.commit()
        flash(_("Draft saved. Preview it, then publish when it is ready."), "success")
        return redirect(url_for("paths.version", version_id=version.id))
    _choices(form)
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
    form = PathForm(obj=version) if request.method == "GET" else PathForm()
    del form.code
    if request.method == "GET":
        _fill_form(form, version)
    elif not wants_more_rows() and (draft := _checked_draft(form)) is not None:
        paths.save_draft(db.session, current_actor(), version, draft)
        db.session.commit()
        flash(_("Draft saved"), "success")
        return redirect(url_for("paths.version", version_id=version.id))
    _choices(form)
    return render_template("paths/form.html", form=form, version=version)


def _fill_form(form: PathForm, version: PathVersion) -> None:
    form.steps.entries, form.steps.last_index = [], -1
    for row in paths.step_rows(version):
        form.steps.append_entry({"resource": row.resource_code, "alternative": row.alternative,
                                 "optional": row.optional})
    form.prerequisites.entries, form.prerequisites.last_index = [], -1
    for code in version.prerequisites:
        form.prerequisites.append_entry(code)
    form.role_profiles.data = [r.id for r in version.role_profiles]
    form.competencies.data = [c.id for c in version.competencies]


@bp.get("/versions/<int:version_id>")
@signed_in(Scope.ANY)
def version(version_id: int):
    """Admins: the version as an official would see it, with their actions. Officials: the published
    version's own page (a draft is not found)."""
    path_version = db.get_or_404(PathVersion, version_id)
    if not current_user.is_admin:
        if path_version.status == "draft":
            abort(404)
        return redirect(url_for("learn.path", path_version_id=path_version.id))
    return render_template("paths/version.html", version=path_version,
                           steps=paths.display_steps(path_version),
                           prerequisites=paths.prerequisite_resources(db.session, path_version),
                           hours=paths.estimated_hours(path_version))


@bp.route("/versions/<int:version_id>/publish", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def publish(version_id: int):
    """A page that says what publishing does, with Publish and Cancel; its Publish publishes."""
    path_version = db.get_or_404(PathVersion, version_id)
    if path_version.status != "draft":
        flash(_("Only a draft can be published"), "error")
        return redirect(url_for("paths.version", version_id=path_version.id))
    form = ActionForm()
    if form.validate_on_submit():
        try:
            paths.publish(db.session, current_actor(), path_version)
        except ValidationFailed as exc:
            flash(str(exc), "error")
            return redirect(url_for("paths.version", version_id=path_version.id))
        add_plans_refresh(path_version, current_user.id)  # starts once this commits
        db.session.commit()
        flash(_("Version %(n)s of %(title)s is published. The plans of the officials whose gaps it fits "
                "are being updated.", n=path_version.version, title=path_version.title), "success")
        return redirect(url_for("paths.version", version_id=path_version.id))
    current = next((v for v in path_version.path.versions if v.status == "published"), None)
    return render_template("paths/publish.html", version=path_version, current=current, form=form,
                           hours=paths.estimated_hours(path_version))


@bp.get("/<int:path_id>")
@signed_in(Scope.ANY)
def path(path_id: int):
    course_path = db.get_or_404(CoursePath, path_id)
    if current_user.is_admin:
        return redirect(url_for("paths.version", version_id=course_path.versions[-1].id))
    published = next((v for v in course_path.versions if v.status == "published"), None)
    if published is None:
        abort(404)
    return redirect(url_for("learn.path", path_version_id=published.id))


