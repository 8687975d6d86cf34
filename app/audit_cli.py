"""flask audit verify [--head EVENT_ID:HASH]: walk the audit hash chain and report the first changed or
deleted event; with a head kept from an earlier run, events deleted from the end are found too."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.services import audit


@click.group("audit", help="Check the audit log.")
def audit_cli() -> None:
    pass


def _anchor(_ctx, _param, value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    event_id, _, digest = value.partition(":")
    if not event_id.isascii() or not event_id.isdigit() or len(digest) != 64:
        raise click.BadParameter("give it as EVENT_ID:HASH, as `flask audit verify` printed it")
    return int(event_id), digest.lower()


@audit_cli.command("verify")
@click.option("--head", "anchor", callback=_anchor, metavar="EVENT_ID:HASH",
              help="A head printed by an earlier run: that event must still be there, unchanged.")
@with_appcontext
def verify(anchor: tuple[int, str] | None) -> None:
    """Exit 0 with "N events, chain intact" and the head to keep outside the database (to pass as
    --head next time), or 1 naming the first event that does not hold."""
    report = audit.verify_chain(db.session, anchor)
    if report.intact:
        head = f"; head {report.head[0]}:{report.head[1]}" if report.head else ""
        click.echo(f"{report.events} events, chain intact{head}")
        return
    click.echo(f"Audit chain broken at event {report.broken_id}: {report.problem} "
               f"({report.events} events before it are intact)", err=True)
    sys.exit(1)
