"""Countries, organisations and users: admins see every country, focal points their own."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin import bp
from app.admin.forms import ActionForm, CountryForm, OrganisationForm, ScopeForm, SearchForm, UserForm
from app.auth.mail import send_activation, send_invitation
from app.authz import current_actor, get_scoped_or_404, require_role, visible_countries
from app.extensions import db
from app.form_errors import show_error
from app.ids import arg_id, page_arg
from app.models import AuditEvent, Country, Organisation, Role, User
from app.services import accounts, audit, places
from app.services.errors import ValidationFailed
from app.services.scope import scoped

STAFF = (Role.ADMIN, Role.FOCAL_POINT)


def _page(stmt):
    return db.paginate(stmt, page=page_arg(), per_page=current_app.config["PAGE_SIZE"], error_out=False)


# Countries ---------------------------------------------------------------------------------------

@bp.get("/countries")
@require_role(Role.ADMIN)
def countries():
    search = SearchForm(request.args)
    page = _page(places.countries_query(current_user, search=search.text()))
    return render_template("admin/countries.html", page=page, search=search)


@bp.route("/countries/new", methods=["GET", "POST"], defaults={"country_id": None})
@bp.route("/countries/<int:country_id>/edit", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit_country(country_id: int | None):
    country = db.get_or_404(Country, country_id) if country_id else None
    form = CountryForm(obj=country)
    if form.validate_on_submit():
        try:
            places.save_country(db.session, current_actor(), code=form.code.data,
                                name=form.name.data, time_zone=form.time_zone.data, country=country,
                                small_cell_k=form.small_cell_k.data)
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Country %(name)s saved", name=form.name.data), "success")
            return redirect(url_for("admin.countries"))
    return render_template("admin/country_form.html", form=form, country=country)


# Organisations -----------------------------------------------------------------------------------

@bp.get("/organisations")
@require_role(*STAFF)
def organisations():
    search = SearchForm(request.args)
    country_id = arg_id("country")
    page = _page(places.organisations_query(current_user, search=search.text(),
                                            country_id=country_id))
    return render_template("admin/organisations.html", page=page, search=search,
                           countries=visible_countries(), country_id=country_id)


def _organisation_choices(form: OrganisationForm, organisation: Organisation | None) -> None:
    form.country.choices = [(c.id, c.name) for c in visible_countries()]
    others = db.session.scalars(places.organisations_query(current_user))
    form.parent.choices = [(0, _("None"))] + [
        (o.id, f"{o.country.code} · {o.name}") for o in others
        if organisation is None or o.id != organisation.id
    ]


@bp.route("/organisations/new", methods=["GET", "POST"], defaults={"organisation_id": None})
@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@require_role(*STAFF)
def edit_organisation(organisation_id: int | None):
    organisation = (get_scoped_or_404(Organisation, organisation_id, lambda o: o.country_id)
                    if organisation_id else None)
    form = OrganisationForm(obj=organisation)
    if request.method == "GET" and organisation is not None:
        form.country.data = organisation.country_id
        form.parent.data = organisation.parent_id or 0
    _organisation_choices(form, organisation)
    if form.validate_on_submit():
        country = get_scoped_or_404(Country, form.country.data, lambda c: c.id)
        parent = (get_scoped_or_404(Organisation, form.parent.data, lambda o: o.country_id)
                  if form.parent.data else None)
        try:
            places.save_organisation(db.session, current_actor(), country=country,
                                     name=form.name.data, parent=parent, organisation=organisation)
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Organisation %(name)s saved", name=form.name.data), "success")
            return redirect(url_for("admin.organisations"))
    return render_template("admin/organisation_form.html", form=form, organisation=organisation)


# Users -------------------------------------------------------------------------------------------

@bp.get("/users")
@require_role(*STAFF)
def users():
    search = SearchForm(request.args)
    role = request.args.get("role", "")
    role = role if role in accounts.ROLES else ""
    page = _page(places.users_query(current_user, search=search.text(), role=role))
    return render_template("admin/users.html", page=page, search=search, role=role,
                           roles=accounts.ROLES)


def _user_choices(form: UserForm) -> None:
    roles = accounts.ROLES if current_user.is_admin else (Role.OFFICIAL.value,)
    form.role.choices = [(r, _(r.replace("_", " ").capitalize())) for r in roles]
    form.country.choices = [(0, _("None"))] + [(c.id, c.name) for c in visible_countries()]
    form.organisation.choices = [(0, _("None"))] + [
        (o.id, f"{o.country.code} · {o.name}")
        for o in db.session.scalars(places.organisations_query(current_user))
    ]


@bp.route("/users/new", methods=["GET", "POST"])
@require_role(*STAFF)
def new_user():
    form = UserForm()
    _user_choices(form)
    if form.validate_on_submit():
        organisation = (get_scoped_or_404(Organisation, form.organisation.data,
                                          lambda o: o.country_id)
                        if form.organisation.data else None)
        country = (get_scoped_or_404(Country, form.country.data, lambda c: c.id)
                   if form.country.data else None)
        try:
            user = accounts.create_user(db.session, current_actor(), email=form.email.data,
                                        name=form.name.data, role=form.role.data,
                                        organisation=organisation, country=country)
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            if user.role == Role.OFFICIAL:
                send_invitation(user, current_user.name)
            else:
                send_activation(user)
            db.session.commit()  # the account, its link and its e-mail, which leaves after the response
            flash(_("Account created for %(email)s; an invitation is on its way", email=user.email),
                  "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return render_template("admin/user_form.html", form=form)


def _scoped_user(user_id: int) -> User:
    return get_scoped_or_404(User, user_id, lambda u: u.country_id)


@bp.get("/users/<int:user_id>")
@require_role(*STAFF)
def user(user_id: int):
    person = _scoped_user(user_id)
    scope_form = ScopeForm()
    granted = {s.country_id for s in person.scopes}
    scope_form.country.choices = [(c.id, c.name) for c in visible_countries()
                                  if c.id not in granted]
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "User",
                                 AuditEvent.object_id == str(person.id))
        .order_by(AuditEvent.at.desc()).limit(20)
    )
    return render_template("admin/user.html", person=person, scope_form=scope_form,
                           action_form=ActionForm(), events=list(events))


@bp.post("/users/<int:user_id>/<any(activate, deactivate):action>")
@require_role(*STAFF)
def set_active(user_id: int, action: str):
    person = _scoped_user(user_id)
    if not current_user.is_admin and person.role != Role.OFFICIAL:
        abort(403)
    if ActionForm().validate_on_submit():
        try:
            accounts.set_active(db.session, current_actor(), person, action == "activate")
        except ValidationFailed as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("%(name)s can sign in again", name=person.name) if action == "activate"
                  else _("%(name)s is deactivated and signed out everywhere", name=person.name),
                  "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.post("/users/<int:user_id>/invite")
@require_role(*STAFF)
def reinvite(user_id: int):
    person = _scoped_user(user_id)
    if ActionForm().validate_on_submit() and person.active:
        audit.record(db.session, current_actor(), "user.reinvite", person, country_id=person.country_id)
        send_invitation(person, current_user.name)
        db.session.commit()
        flash(_("A new invitation has been sent to %(email)s", email=person.email), "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.post("/users/<int:user_id>/scopes")
@require_role(Role.ADMIN)
def grant_scope(user_id: int):
    person = db.get_or_404(User, user_id)
    form = ScopeForm()
    form.country.choices = [(c.id, c.name) for c in visible_countries()]
    if form.validate_on_submit():
        country = db.get_or_404(Country, form.country.data)
        try:
            accounts.grant_scope(db.session, current_actor(), person, country)
        except ValidationFailed as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("%(name)s can now see %(country)s", name=person.name, country=country.name),
                  "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.post("/users/<int:user_id>/scopes/<int:country_id>/withdraw")
@require_role(Role.ADMIN)
def withdraw_scope(user_id: int, country_id: int):
    person = db.get_or_404(User, user_id)
    country = db.get_or_404(Country, country_id)
    if ActionForm().validate_on_submit():
        accounts.withdraw_scope(db.session, current_actor(), person, country)
        db.session.commit()
        flash(_("%(name)s can no longer see %(country)s", name=person.name, country=country.name),
              "success")
    return redirect(url_for("admin.user", user_id=person.id))


# Audit log ---------------------------------------------------------------------------------------

@bp.get("/audit")
@require_role(*STAFF)
def audit_log():
    stmt = scoped(select(AuditEvent), AuditEvent.country_id, current_user)
    page = _page(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    return render_template("admin/audit.html", page=page)
