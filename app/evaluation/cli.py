"""flask follow-ups send — e-mail the behaviour follow-up surveys that are due."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.evaluation.jobs import send_due


@click.group("follow-ups", help="Behaviour follow-up surveys (Kirkpatrick level 3).")
def follow_ups_cli() -> None:
    pass


@follow_ups_cli.command("send")
@with_appcontext
def send() -> None:
    """E-mail every follow-up survey that is due and not sent yet (run it daily, e.g. from cron)."""
    with click.progressbar(length=1, label="Sending follow-up surveys") as bar:
        def advance(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        result = send_due(advance, weeks=current_app.config["FOLLOW_UP_WEEKS"])
    click.echo(f"Scheduled {result.scheduled} follow-ups of paths completed earlier; "
               f"e-mailed {result.sent} follow-up surveys")
