"""A person's data, for admins: export it, or erase the person (confirmed by a box and their e-mail)."""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from app.admin import bp
from app.admin.forms import ActionForm, EraseForm
from app.admin.privacy_cli import evidence_dir
from app.authz import current_actor, require_role
from app.extensions import db
from app.models import Role, User
from app.services import privacy
from app.services.errors import ValidationFailed
from app.services.privacy import registry


@bp.get("/users/<int:user_id>/privacy")
@require_role(Role.ADMIN)
def privacy_page(user_id: int):
    person = db.get_or_404(User, user_id)
    return _page(person, EraseForm())


def _page(person: User, form: EraseForm, status: int = 200):
    erased = person.email == registry.erased_email(person.id)
    return render_template("admin/privacy.html", person=person, form=form, action_form=ActionForm(),
                           erased=erased), status


@bp.post("/users/<int:user_id>/privacy/export")
@require_role(Role.ADMIN)
def privacy_export(user_id: int):
    person = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.privacy_page", user_id=person.id))
    result = privacy.export(db.session, current_actor(), person, evidence_dir=evidence_dir())
    db.session.commit()
    return send_file(io.BytesIO(result.data), mimetype="application/zip", as_attachment=True,
                     download_name=f"privacy-export-{person.id}.zip", max_age=0)


@bp.post("/users/<int:user_id>/privacy/erase")
@require_role(Role.ADMIN)
def privacy_erase(user_id: int):
    person = db.get_or_404(User, user_id)
    form = EraseForm()
    if not form.validate_on_submit():
        return _page(person, form, 400)
    if form.email.data.strip().lower() != person.email:
        form.email.errors.append(_("This is not the person's email address"))
        return _page(person, form, 400)
    try:
        result = privacy.erase(db.session, current_actor(), person, evidence_dir=evidence_dir())
    except ValidationFailed as exc:
        db.session.rollback()
        form.email.errors.append(str(exc))
        return _page(person, form, 400)
    db.session.commit()
    flash(_("Account %(id)s is erased: %(values)s values and %(files)s files", id=result.user_id,
            values=sum(result.changes.values()), files=result.files), "success")
    return redirect(url_for("admin.privacy_page", user_id=person.id))
