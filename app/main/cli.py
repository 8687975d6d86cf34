"""flask demo — a demo country to look around in. Never in production."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.services.demo import DEMO_PASSWORD, build_demo
from app.services.errors import DomainError


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create the demo country Demoland (once: a second run changes nothing) and print its logins."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("flask demo refuses to run under ProductionConfig")
    started = time.perf_counter()
    try:
        report = build_demo(db.session, follow_up_weeks=current_app.config["FOLLOW_UP_WEEKS"])
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Demo data ready in {time.perf_counter() - started:.1f} s. "
               f"Every demo account's password is: {DEMO_PASSWORD}")
    for login in report.logins:
        where = f" ({login.organisation})" if login.organisation else ""
        click.echo(f"  {login.role:<12} {login.email}{where}: {login.story}")
    click.echo(report.summary())
