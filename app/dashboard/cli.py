"""flask catalogue gaps [--country CC]"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.models import Country
from app.services.evaluation.content_gaps import content_gaps


@click.group("catalogue", help="The curated catalogue.")
def catalogue_cli() -> None:
    pass


@catalogue_cli.command("gaps")
@click.option("--country", "country_code", default=None, help="ISO 3166-1 alpha-2 code.")
@with_appcontext
def gaps(country_code: str | None) -> None:
    """Where officials have gaps and the catalogue has no material, or too little."""
    countries = None
    if country_code:
        country = db.session.scalar(select(Country).where(Country.code == country_code.upper()))
        if country is None:
            raise click.BadParameter(f"no country with code {country_code}", param_hint="--country")
        countries = frozenset({country.id})
    report = content_gaps(db.session, countries)
    if not report:
        click.echo("No content gaps: every gap found has material in the officials' languages.")
        return
    click.echo(f"{'competency':<16} {'level':>5}  {'lang':<5} {'officials':>9}  {'in lang':>7}  "
               f"{'any lang':>8}  status")
    for g in report:
        click.echo(f"{g.competency_code:<16} {g.level:>5}  {g.language:<5} {g.officials:>9}  "
                   f"{g.resources_in_language:>7}  {g.resources_any_language:>8}  {g.status}")
