"""Sending e-mail through the outbox (app.services.mail_outbox): nothing talks to SMTP inside a transaction.

``send`` only writes the message into the current transaction. Once that commits, the message goes:
after the response has been sent, for a web request (so neither the page's speed nor its outcome
depends on the mail server), and when the caller says so in jobs and commands (``deliver_committed``).
What could not be sent waits for ``flask mail send``. Without a mail server (MAIL_SUPPRESS_SEND), the
message is written to the log.
"""

from __future__ import annotations

import logging
import smtplib
from functools import partial

from flask import Flask, Response, current_app
from flask_mail import Connection, Message

from app.extensions import db
from app.models.base import utcnow
from app.services import mail_outbox
from app.services.mail_outbox import Delivered

log = logging.getLogger("capstack.mail")

SMTP_TIMEOUT = 10  # seconds: a mail server that takes the connection and then says nothing must not
#                    hold a worker thread for ever


def send(to: str, subject: str, body: str, user_id: int | None = None) -> None:
    """Put an e-mail in the current transaction; it is sent after, and only if, that commits."""
    mail_outbox.add(db.session, to, subject, body, user_id)


class _Connection(Connection):
    """Flask-Mail's connection, opened with a timeout (Flask-Mail's own waits as long as the server)."""

    def configure_host(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp(self.mail.server, self.mail.port, timeout=SMTP_TIMEOUT)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def smtp_send(to: str, subject: str, body: str) -> None:
    """Hand one message to the mail server now; raises what Flask-Mail or smtplib raise."""
    message = Message(subject=subject, recipients=[to], body=body)
    if current_app.config["MAIL_SUPPRESS_SEND"]:
        current_app.logger.info("E-mail not sent (MAIL_SUPPRESS_SEND) to %s: %s\n%s", to, subject, body)
    # With MAIL_SUPPRESS_SEND, Flask-Mail records the message (mail.record_messages) and sends nothing.
    with _Connection(current_app.extensions["mail"]) as connection:
        connection.send(message)


def deliver_committed() -> Delivered:
    """Send the messages that the current session's transactions have committed. Call it after a commit,
    with nothing uncommitted: it commits as it goes. A failure to send is stored, never raised."""
    return mail_outbox.deliver(db.session, mail_outbox.take_committed(db.session), smtp_send, utcnow())


def deliver_due() -> Delivered:
    """Send every message that is due: never tried, or failed and waited its backoff."""
    return mail_outbox.deliver(db.session, None, smtp_send, utcnow())


def _deliver_after_response(response: Response) -> Response:
    """After a request: send what its transactions committed once the response has gone to the client."""
    if db.session.registry.has():
        ids = mail_outbox.take_committed(db.session)
        if ids:
            response.call_on_close(partial(_deliver, current_app._get_current_object(), ids))
    return response


def _deliver(app: Flask, ids: list[int]) -> None:
    # The request's contexts are gone by now: a context of its own, with a session of its own.
    with app.app_context():
        try:
            mail_outbox.deliver(db.session, ids, smtp_send, utcnow())
        except Exception:  # e.g. the database went away: the messages wait for `flask mail send`
            db.session.rollback()
            log.exception("e-mail %s not delivered after the response", ids)


def init_app(app: Flask) -> None:
    """Send each request's committed e-mail after its response, and add the `flask mail` commands.

    Register it before app.jobs.start_committed: after_request hooks run in reverse order, so this one
    runs last and also sends what inline jobs started there have committed.
    """
    from app.mail_cli import mail_cli

    app.after_request(_deliver_after_response)
    app.cli.add_command(mail_cli)
