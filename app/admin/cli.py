"""flask users create EMAIL --role ROLE [--country CC] [--organisation NAME]"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.models import Country, Organisation
from app.services import accounts
from app.services.audit import SYSTEM
from app.services.errors import ValidationFailed


@click.group("users", help="Manage user accounts.")
def users_cli() -> None:
    pass


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@click.option("--name", default=None, help="Full name (default: the part of the e-mail before @).")
@click.option("--country", "country_code", default=None, help="ISO 3166-1 alpha-2 code.")
@click.option("--organisation", "organisation_name", default=None,
              help="Organisation name, in --country.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create(email: str, role: str, name: str | None, country_code: str | None,
           organisation_name: str | None, password_stdin: bool) -> None:
    """Create a user with a password (asked for, or read from standard input)."""
    country = organisation = None
    if country_code:
        country = db.session.scalar(select(Country).where(Country.code == country_code.upper()))
        if country is None:
            raise click.BadParameter(f"no country with code {country_code}", param_hint="--country")
    if organisation_name:
        if country is None:
            raise click.BadParameter("give --country with --organisation", param_hint="--country")
        organisation = db.session.scalar(select(Organisation).where(
            Organisation.country_id == country.id, Organisation.name == organisation_name))
        if organisation is None:
            raise click.BadParameter(f"no organisation {organisation_name!r} in {country.code}",
                                     param_hint="--organisation")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(
            db.session, SYSTEM, email=email, name=name or email.split("@")[0], role=role,
            organisation=organisation, country=country, password=password,
        )
    except ValidationFailed as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.field or 'input'}: {exc}") from exc
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}")
