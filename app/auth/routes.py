"""Sign in and out, activation and invitation links, password reset."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth import events as audit_events
from app.auth import limits as sign_in_limits
from app.auth.forms import LoginForm, RequestResetForm, SetPasswordForm
from app.auth.mail import send_reset_link
from app.authz import Scope, signed_in
from app.extensions import db, limiter
from app.models import TokenPurpose
from app.services import accounts
from app.services.errors import TokenInvalid, ValidationFailed
from app.services.throttle import Refusal
from app.urls import same_site_path


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        refused = sign_in_limits.refusal(form.email.data)
        if refused is not None:
            return _too_many(form, refused)
        user = accounts.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            audit_events.record(user, "auth.sign_in")
            db.session.commit()
            session.clear()  # a new session at sign-in: nothing carried over from before
            login_user(user, remember=form.remember.data)
            return redirect(same_site_path(request.args.get("next")) or url_for("main.index"))
        sign_in_limits.failed(form.email.data)
        audit_events.sign_in_failed(form.email.data)
        form.email.errors.append(_("The email address or password is not right"))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


def _too_many(form: LoginForm, refused: Refusal):
    """The login page again, saying why and for how long, without checking the password."""
    minutes = max(1, -(-refused.retry_after // 60))
    if refused.scope == "address":
        message = _("Too many failed sign-ins from your network. Try again in %(minutes)s minutes.",
                    minutes=minutes)
    else:
        message = _("Too many failed sign-ins to this account from your network. Try again in "
                    "%(minutes)s minutes, or reset the password.", minutes=minutes)
    form.email.errors.append(message)
    response = current_app.make_response((render_template("auth/login.html", form=form), 429))
    response.headers["Retry-After"] = str(refused.retry_after)
    return response


@bp.post("/logout")
@signed_in(Scope.OWN)
def logout():
    current_user.end_sessions()  # every copy of the session and remember-me cookies stops working
    db.session.commit()
    session.clear()
    logout_user()  # after clear(): it leaves the note that deletes the remember-me cookie
    flash(_("You have signed out"), "success")
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def request_reset():
    form = RequestResetForm()
    if form.validate_on_submit():
        user = accounts.find_by_email(db.session, form.email.data)
        if user is not None and user.active:
            audit_events.record(user, "auth.password_reset_requested")
            send_reset_link(user)
            db.session.commit()  # the event, the link and its e-mail; the e-mail leaves after the response
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
            audit_events.record(link.user, "auth.password_reset" if kind == "reset" else "auth.link_used",
                                purpose=str(link.purpose))
            db.session.commit()
            session.clear()
            logout_user()
            flash(_("Your password is set. Sign in with it now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, kind=kind, user=link.user)
