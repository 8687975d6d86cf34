"""The e-mails that carry account links.

Each one issues a token and writes its message into the caller's transaction (app.mailer): the caller
commits both together, and the e-mail leaves only once that has committed. Nothing here commits.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from app import mailer
from app.extensions import db
from app.models import TokenPurpose, User
from app.services import accounts


def public_url(endpoint: str, **values) -> str:
    """An absolute address on PUBLIC_URL; works outside a request too (background jobs, the CLI)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def token_url(raw: str, endpoint_kind: str = "activate") -> str:
    """The address of the account link carrying token ``raw``."""
    return public_url("auth.use_link", kind=endpoint_kind, token=raw)


def _link(user: User, purpose: TokenPurpose, endpoint_kind: str) -> str:
    hours = current_app.config["TOKEN_HOURS"][purpose.value]
    raw = accounts.issue_token(db.session, user, purpose, hours)
    return token_url(raw, endpoint_kind)


def send_reset_link(user: User) -> None:
    url = _link(user, TokenPurpose.RESET, "reset")
    hours = current_app.config["TOKEN_HOURS"]["reset"]
    mailer.send(user.email, _("Reset your CapStack password"), _(
        "Hello %(name)s,\n\nUse this link to set a new password. It works once, for %(hours)s hours:"
        "\n\n%(url)s\n\nIf you did not ask for this, ignore this e-mail: your password stays as it is.",
        name=user.name, hours=hours, url=url), user.id)


def invitation_link(user: User) -> str:
    """A new invitation link for ``user`` (an official asked to set a password and join), in the
    caller's transaction."""
    return _link(user, TokenPurpose.INVITE, "activate")


def send_invitation(user: User, inviter_name: str, campaign_name: str | None = None) -> str:
    """E-mail ``user`` a new invitation link, naming the assessment campaign when there is one."""
    url = invitation_link(user)
    days = current_app.config["TOKEN_HOURS"]["invite"] // 24
    campaign = _("\n\nYou are asked to take part in the skills assessment \"%(campaign)s\".",
                 campaign=campaign_name) if campaign_name else ""
    mailer.send(user.email, _("You are invited to CapStack"), _(
        "Hello %(name)s,\n\n%(inviter)s has invited you to CapStack, where you can assess your "
        "digital skills and find training that fits them.%(campaign)s\n\nSet your password with "
        "this link (it works once, for %(days)s days):\n\n%(url)s\n",
        name=user.name, inviter=inviter_name, campaign=campaign, days=days, url=url), user.id)
    return url


def send_activation(user: User) -> str:
    url = _link(user, TokenPurpose.ACTIVATE, "activate")
    hours = current_app.config["TOKEN_HOURS"]["activate"]
    mailer.send(user.email, _("Activate your CapStack account"), _(
        "Hello %(name)s,\n\nAn account has been created for you on CapStack. Activate it by "
        "choosing a password with this link (it works once, for %(hours)s hours):\n\n%(url)s\n",
        name=user.name, hours=hours, url=url), user.id)
    return url
