"""The background job that e-mails behaviour follow-up surveys (Kirkpatrick level 3) once they are due.

It first schedules the follow-up of any completed path that has none, then e-mails the due ones in
batches. A batch is one transaction (its messages in the mail outbox and its follow-ups marked sent),
and its e-mail leaves once that has committed: a job stopped half way can run again and reaches only
those it missed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import mailer
from app.auth.mail import public_url
from app.extensions import db
from app.jobs import handler
from app.models import FollowUp, Job
from app.models.base import utcnow
from app.services.evaluation import follow_ups

SEND = "follow_ups.send"
BATCH = 100


@dataclass(frozen=True)
class Sent:
    scheduled: int  # completed paths that had no follow-up yet
    sent: int


def _send(follow_up: FollowUp) -> None:
    user, title = follow_up.user, follow_up.path_version.title
    mailer.send(user.email, _("Have you used what you learned in %(path)s?", path=title), _(
        "Hello %(name)s,\n\nSome weeks ago you completed the course path \"%(path)s\" on CapStack. "
        "Have you been able to use it in your work? Three short questions, two minutes:\n\n%(url)s\n\n"
        "Your answers show your organisation which training helps, and what stands in the way.\n",
        name=user.name, path=title,
        url=public_url("evaluation.follow_up", follow_up_id=follow_up.id)), user.id)


def send_due(progress: Callable[[int, int], None], *, weeks: int) -> Sent:
    """E-mail every follow-up that is due and not sent yet, and mark it sent."""
    scheduled = follow_ups.schedule_missing(db.session, weeks)
    db.session.commit()
    ids = follow_ups.due_ids(db.session, utcnow())
    done = sent = 0
    progress(0, len(ids))
    for start in range(0, len(ids), BATCH):
        batch = db.session.scalars(
            select(FollowUp).where(FollowUp.id.in_(ids[start:start + BATCH]))
            .options(selectinload(FollowUp.user), selectinload(FollowUp.path_version))
            .order_by(FollowUp.id))
        for follow_up in batch:
            # sent_at None: another run may have got there first. Without e-mail (their account page
            # says so) the questions wait on their progress page, where due ones show.
            if follow_up.sent_at is None and follow_up.user.email_follow_ups:
                with force_locale(follow_up.user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
                    _send(follow_up)
                follow_up.sent_at = utcnow()
                sent += 1
            done += 1
        progress(done, len(ids))
        db.session.commit()  # the batch with its count (the job's progress commits, the CLI's does not)
        mailer.deliver_committed()
    return Sent(scheduled, sent)


# The job page says what was done from the job's counts, in the reader's language: no message.

@handler(SEND)
def send_job(job: Job, progress: Callable[[int, int], None]) -> None:
    send_due(progress, weeks=current_app.config["FOLLOW_UP_WEEKS"])
