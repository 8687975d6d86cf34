"""flask mail send / status: the e-mail outbox, for an operator and for cron."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from app import mailer
from app.extensions import db
from app.models.base import utcnow
from app.services import mail_outbox


@click.group("mail", help="E-mail waiting in the outbox.")
def mail_cli() -> None:
    pass


@mail_cli.command("send")
@click.option("--retry-failed", is_flag=True,
              help=f"First make the messages given up on (after {mail_outbox.MAX_ATTEMPTS} attempts) "
                   "due again.")
@with_appcontext
def send(retry_failed: bool) -> None:
    """Send e-mail waiting in the outbox: ones whose sending failed, retried with backoff.

    Also deletes messages sent more than MAIL_OUTBOX_KEEP_DAYS ago. Exits 1 when a message could not
    be sent (it stays waiting, or failed once it has run out of attempts).
    """
    if retry_failed:
        click.echo(f"{mail_outbox.retry_failed(db.session)} failed messages made due again")
        db.session.commit()
    result = mailer.deliver_due()
    days = current_app.config["MAIL_OUTBOX_KEEP_DAYS"]
    deleted = mail_outbox.delete_sent(db.session, days, utcnow())
    db.session.commit()
    click.echo(f"Sent {result.sent}, not sent {result.failed}; "
               f"deleted {deleted} sent more than {days} days ago")
    if result.failed:
        click.echo("Some messages could not be sent: see `flask mail status`", err=True)
        sys.exit(1)


@mail_cli.command("status")
@with_appcontext
def status() -> None:
    """How many messages are waiting, sent and failed (given up on), and the latest error."""
    counts = mail_outbox.status(db.session)
    click.echo(f"Waiting {counts.waiting}, sent {counts.sent}, failed {counts.failed}")
    if counts.last_error:
        click.echo(f"Latest error: {counts.last_error}")
