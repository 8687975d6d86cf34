"""The background job that e-mails a line manager when an official asks them to review an assessment.

The job is written by app.services.assessment.validation.request_review in the submitting transaction
(app.services.outbox) and started only once that has committed: a submission that rolls back e-mails
nobody. The e-mail itself goes through the mail outbox: written with the job's progress, sent once that
has committed.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import mailer
from app.auth.mail import public_url
from app.extensions import db
from app.jobs import handler
from app.models import Attempt, Campaign, Job
from app.services.assessment.campaigns import local_time
from app.services.assessment.validation import REVIEW_JOB
from app.services.assessment.window import window_end


def send_review_request(attempt_id: int) -> bool:
    """E-mail the attempt's manager a link to the review page; False when there is nobody to tell."""
    attempt = db.session.scalar(
        select(Attempt).where(Attempt.id == attempt_id)
        .options(joinedload(Attempt.user), joinedload(Attempt.manager),
                 joinedload(Attempt.campaign).joinedload(Campaign.country)))
    if attempt is None or attempt.manager is None or not attempt.manager.active \
            or attempt.reviewed_at is not None:
        return False
    manager, campaign = attempt.manager, attempt.campaign
    zone = campaign.country.time_zone
    with force_locale(manager.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = current_app.jinja_env.get_template("managers/email/review_requested.txt").render(
            manager=manager, official=attempt.user, campaign=campaign, zone=zone,
            closes=f"{local_time(window_end(campaign), zone):%Y-%m-%d %H:%M}",
            url=public_url("managers.review", attempt_id=attempt.id))
        mailer.send(manager.email, _("Please review the skills assessment of %(name)s",
                                     name=attempt.user.name), body, manager.id)
    return True


# The e-mail says what it needs to; the job's row records only whether it ran.

@handler(REVIEW_JOB)
def review_requested_job(job: Job, progress: Callable[[int, int], None]) -> None:
    sent = send_review_request(int(job.params["attempt_id"]))
    progress(int(sent), 1)  # commits the message with the job's count
    mailer.deliver_committed()
