"""The signed-in user's account page: their details, the e-mails they want, their password. Their own
account only: the pages take no id."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user
from wtforms import SelectChoice

from app.account import bp
from app.account.forms import DetailsForm, PasswordForm
from app.authz import Scope, current_actor, signed_in
from app.extensions import db, limiter
from app.form_errors import show_error
from app.learn.refresh import refresh_plan_quietly
from app.models import Role
from app.services import account_settings, catalogue, catalogue_search
from app.services.errors import ValidationFailed


def _language_choices() -> list[SelectChoice]:
    codes = list(catalogue_search.filter_choices(db.session).languages)
    codes += [code for code in current_user.learning_languages or () if code not in codes]
    locale = str(get_locale() or "en")
    return sorted((SelectChoice(code, catalogue.language_name(code, locale)) for code in codes),
                  key=lambda choice: choice.label)


def _details_form(**kwargs) -> DetailsForm:
    form = DetailsForm(**kwargs)
    form.languages.choices = _language_choices()
    return form


def _page(details: DetailsForm | None = None, password: PasswordForm | None = None):
    if details is None:
        details = _details_form(data={
            "name": current_user.name, "languages": current_user.learning_languages or [],
            "emails": [key for key, wanted in (("reminders", current_user.email_reminders),
                                               ("follow_ups", current_user.email_follow_ups)) if wanted]})
    return render_template("account/index.html", details=details,
                           password=password or PasswordForm(prefix="password"),
                           is_official=current_user.role == Role.OFFICIAL)


@bp.get("/")
@signed_in(Scope.OWN)
def index():
    return _page()


@bp.post("/details")
@signed_in(Scope.OWN)
def details():
    form = _details_form()
    if not form.validate_on_submit():
        return _page(details=form), 400
    before = current_user.learning_languages
    try:
        account_settings.update_details(db.session, current_actor(), current_user, account_settings.Details(
            name=form.name.data or "", languages=form.languages.data or [],
            email_reminders="reminders" in (form.emails.data or ()),
            email_follow_ups="follow_ups" in (form.emails.data or ())),
            known_languages={choice.value for choice in form.languages.choices})
    except ValidationFailed as exc:  # raised before anything is written
        show_error(form, exc)
        return _page(details=form)
    db.session.commit()
    if current_user.learning_languages != before and current_user.role == Role.OFFICIAL:
        refresh_plan_quietly(current_user)  # material in their languages comes first from now on
    flash(_("Your details are saved."), "success")
    return redirect(url_for("account.index"))


@bp.post("/password")
@signed_in(Scope.OWN)
@limiter.limit("10 per hour", key_func=lambda: f"account-password:{current_user.id}")
def password():
    form = PasswordForm(prefix="password")
    if not form.validate_on_submit():
        return _page(password=form), 400
    try:
        account_settings.change_password(db.session, current_actor(), current_user,
                                         current=form.current_password.data or "",
                                         new=form.new_password.data or "", confirm=form.confirm.data or "")
    except ValidationFailed as exc:  # raised before anything is written
        show_error(form, exc)
        return _page(password=form)
    db.session.commit()
    login_user(current_user._get_current_object())  # this session goes on with the new session token
    flash(_("Your password is changed. You are signed out on every other device."), "success")
    return redirect(url_for("account.index"))
