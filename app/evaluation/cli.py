"""flask follow-ups send — e-mail the behaviour follow-up surveys that are due; flask pairs check |
rebuild — the pairs of results the tables of change read (app.services.evaluation.pair_store)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from app.evaluation.jobs import send_due
from app.extensions import db
from app.services.evaluation import data_version, pair_store


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


@click.group("pairs", help="The pairs of results the tables of change read.")
def pairs_cli() -> None:
    pass


@pairs_cli.command("check")
@with_appcontext
def check_pairs() -> None:
    """Exit 0 when the stored pairs are those the results make, else 1 with how many differ."""
    differing = pair_store.differences(db.session)
    if differing:
        click.echo(f"{differing} pairs of results differ from the results: run `flask pairs rebuild`",
                   err=True)
        sys.exit(1)
    click.echo("The pairs of results are in step with the results")


@pairs_cli.command("rebuild")
@with_appcontext
def rebuild_pairs() -> None:
    """Write every pair of results again (after results were written round the application)."""
    written = pair_store.rebuild(db.session)
    data_version.bump(db.session)
    db.session.commit()
    click.echo(f"Wrote {written:,} pairs of results")
