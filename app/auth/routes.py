"""Sign in and out, activation and invitation links, password reset."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import LoginForm, RequestResetForm, SetPasswordForm
from app.auth.mail import send_reset_link
from app.extensions import db, limiter
from app.models import TokenPurpose
from app.services import accounts
from app.services.errors import TokenInvalid, ValidationFailed


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed_login(_response) -> bool:
    return g.get("login_failed", False)


def _safe_next(target: str | None) -> str:
    # Only paths on this site; never an absolute or protocol-relative URL.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            session.clear()  # a new session at sign-in: nothing carried over from before
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        g.login_failed = True
        form.email.errors.append(_("The email address or password is not right"))
    return render_template("auth/login.html", form=form), 200 if not g.get("login_failed") else 401


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You have signed out"), "success")
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def request_reset():
    form = RequestResetForm()
    if form.validate_on_submit():
        user = accounts.find_by_email(db.session, form.email.data)
        if user is not None and user.active:
            send_reset_link(user)
        # The same answer whether or not the account exists.
        flash(_("If an account uses that address, we have sent it a link to reset the password."),
              "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/request_reset.html", form=form)


_PURPOSES = {
    "reset": (TokenPurpose.RESET,),
    "activate": (TokenPurpose.ACTIVATE, TokenPurpose.INVITE),
}


@bp.route("/<any(reset, activate):kind>/<token>", methods=["GET", "POST"])
def use_link(kind: str, token: str):
    try:
        link = accounts.peek_token(db.session, token, _PURPOSES[kind])
    except TokenInvalid as exc:
        return render_template("auth/link_invalid.html", message=str(exc)), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.redeem_token(db.session, token, _PURPOSES[kind], form.password.data)
        except ValidationFailed as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your password is set. Sign in with it now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, kind=kind, user=link.user)
