"""Sending e-mail. Without a mail server (MAIL_SUPPRESS_SEND), the message is written to the log."""

from __future__ import annotations

from flask import current_app
from flask_mail import Message

from app.extensions import mail


def send(to: str, subject: str, body: str) -> None:
    message = Message(subject=subject, recipients=[to], body=body)
    if current_app.config["MAIL_SUPPRESS_SEND"]:
        current_app.logger.info("E-mail not sent (MAIL_SUPPRESS_SEND) to %s: %s\n%s", to, subject, body)
    mail.send(message)  # with MAIL_SUPPRESS_SEND, Flask-Mail records it and sends nothing
