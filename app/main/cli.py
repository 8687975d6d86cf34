"""flask demo — a demo country to look around in. Never in production."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.services.demo import DEMO_PASSWORD, build_demo


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create the demo country and its accounts (idempotent) and print their logins."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("flask demo refuses to run under ProductionConfig")
    logins = build_demo(db.session)
    db.session.commit()
    click.echo(f"Demo data ready. Every demo account's password is: {DEMO_PASSWORD}")
    for login in logins:
        where = f"  ({login.organisation})" if login.organisation else ""
        click.echo(f"  {login.role:<12} {login.email}{where}")
