"""Background jobs of campaigns: e-mailing invitations and reminders.

Both work through the invitations in batches. A batch is one transaction: its invitation links, its
messages in the mail outbox and its counts commit together (or, when the job stops, not at all), and
its e-mail leaves once that has committed. A job that stops half way can be run again and e-mails only
the people it had not reached; what the mail server refused waits in the outbox for `flask mail send`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import mailer
from app.auth.mail import invitation_link, public_url, send_invitation
from app.extensions import db
from app.jobs import handler
from app.models import Attempt, AttemptStatus, Campaign, Invitation, Job, User
from app.models.base import utcnow
from app.services.assessment.campaigns import local_time

BATCH = 100
INVITE = "campaigns.invite"
REMIND = "campaigns.remind"


def _window(campaign: Campaign) -> dict[str, str]:
    zone = campaign.country.time_zone
    return {"opens": f"{local_time(campaign.opens_at, zone):%Y-%m-%d %H:%M}",
            "closes": f"{local_time(campaign.closes_at, zone):%Y-%m-%d %H:%M}", "zone": zone}


def _locale(user: User) -> str:
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def _send_campaign_notice(user: User, campaign: Campaign, inviter: str) -> None:
    """To someone who has an account already: you are invited, sign in."""
    subject = _("You are invited to the skills assessment %(campaign)s", campaign=campaign.name)
    mailer.send(user.email, subject, _(
        "Hello %(name)s,\n\n%(inviter)s has invited you to take part in the skills assessment "
        "\"%(campaign)s\" on CapStack. It is open from %(opens)s to %(closes)s (%(zone)s time).\n\n"
        "Sign in to start:\n\n%(url)s\n",
        name=user.name, inviter=inviter, campaign=campaign.name, url=public_url("auth.login"),
        **_window(campaign)), user.id)


def _send_reminder(user: User, campaign: Campaign) -> None:
    if user.activated_at is None:
        how = _("Set your password with this link to start (it works once):\n\n%(url)s",
                url=invitation_link(user))
    else:
        how = _("Sign in to continue:\n\n%(url)s", url=public_url("auth.login"))
    subject = _("Reminder: the skills assessment %(campaign)s", campaign=campaign.name)
    mailer.send(user.email, subject, _(
        "Hello %(name)s,\n\nA reminder that you are invited to the skills assessment "
        "\"%(campaign)s\" on CapStack, and have not submitted it yet. It closes on %(closes)s "
        "(%(zone)s time).\n\n%(how)s\n",
        name=user.name, campaign=campaign.name, how=how, **_window(campaign)), user.id)


def _batch_done(progress: Callable[[int, int], None], done: int, total: int) -> None:
    """Commit the batch with its count (the job's progress commits; the CLI's does not), then send it."""
    progress(done, total)
    db.session.commit()
    mailer.deliver_committed()


def _batches(ids: list[int]):
    for start in range(0, len(ids), BATCH):
        yield db.session.scalars(
            select(Invitation).where(Invitation.id.in_(ids[start:start + BATCH]))
            .options(selectinload(Invitation.user)).order_by(Invitation.id)).all()


def send_invitations(campaign_id: int, inviter: str, progress: Callable[[int, int], None]) -> int:
    """E-mail every invitation of the campaign not e-mailed yet and set its emailed_at; how many."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        return 0
    ids = list(db.session.scalars(
        select(Invitation.id).where(Invitation.campaign_id == campaign_id,
                                    Invitation.emailed_at.is_(None)).order_by(Invitation.id)))
    done = sent = 0
    progress(0, len(ids))
    for batch in _batches(ids):
        for invitation in batch:
            user = invitation.user
            if user.active:
                with force_locale(_locale(user)):
                    if user.activated_at is None:
                        send_invitation(user, inviter, campaign.name)  # with a new invitation link
                    else:
                        _send_campaign_notice(user, campaign, inviter)
                invitation.emailed_at = utcnow()
                sent += 1
            done += 1
        _batch_done(progress, done, len(ids))
    return sent


def send_reminders(campaign_id: int, invitation_ids: list[int],
                   progress: Callable[[int, int], None]) -> int:
    """E-mail a reminder for each invitation unless its official has submitted meanwhile or said on
    their account page they want no reminders; how many."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        return 0
    submitted = set(db.session.scalars(select(Attempt.user_id).where(
        Attempt.campaign_id == campaign_id, Attempt.status == AttemptStatus.SUBMITTED)))
    done = sent = 0
    progress(0, len(invitation_ids))
    for batch in _batches(invitation_ids):
        for invitation in batch:
            if invitation.campaign_id == campaign_id and invitation.user.active \
                    and invitation.user.email_reminders and invitation.user_id not in submitted:
                with force_locale(_locale(invitation.user)):
                    _send_reminder(invitation.user, campaign)
                sent += 1
            done += 1
        _batch_done(progress, done, len(invitation_ids))
    return sent


# The job page says what was done from the job's counts, in the reader's language: no message.

@handler(INVITE)
def invite_job(job: Job, progress: Callable[[int, int], None]) -> None:
    send_invitations(job.params["campaign_id"], job.params.get("inviter", "CapStack"), progress)


@handler(REMIND)
def remind_job(job: Job, progress: Callable[[int, int], None]) -> None:
    send_reminders(job.params["campaign_id"], job.params["invitation_ids"], progress)
