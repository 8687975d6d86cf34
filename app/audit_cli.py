"""flask audit verify: walk the audit hash chain and report the first changed or deleted event."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.services import audit


@click.group("audit", help="Check the audit log.")
def audit_cli() -> None:
    pass


@audit_cli.command("verify")
@with_appcontext
def verify() -> None:
    """Exit 0 with "N events, chain intact", or 1 naming the first event that does not hold."""
    report = audit.verify_chain(db.session)
    if report.intact:
        click.echo(f"{report.events} events, chain intact")
        return
    click.echo(f"Audit chain broken at event {report.broken_id}: {report.problem} "
               f"({report.events} events before it are intact)", err=True)
    sys.exit(1)
