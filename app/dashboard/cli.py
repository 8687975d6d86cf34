"""flask catalogue gaps [--country CC]: the content-gap table of the dashboard (the same rows and the
same released counts of officials as its page and its files), in the terminal."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.dashboard.selection import release_for
from app.extensions import db
from app.models import Country
from app.services.evaluation import largest_content_gaps


@click.group("catalogue", help="The curated catalogue.")
def catalogue_cli() -> None:
    pass


@catalogue_cli.command("gaps")
@click.option("--country", "country_code", default=None, help="ISO 3166-1 alpha-2 code.")
@with_appcontext
def gaps(country_code: str | None) -> None:
    """Where officials have gaps and the catalogue has no material, or too little."""
    if country_code:
        country = db.session.scalar(select(Country).where(Country.code == country_code.upper()))
        if country is None:
            raise click.BadParameter(f"no country with code {country_code}", param_hint="--country")
        scope, countries = frozenset({country.id}), [country]
    else:
        scope, countries = None, list(db.session.scalars(select(Country)))
    release = release_for(current_app.config, countries)  # as the dashboard releases these countries
    table = largest_content_gaps(db.session, scope, release)
    if not table.rows:
        click.echo("No content gaps: every gap found has material in the officials' languages.")
        return
    click.echo(f"{'competency':<16} {'level':>5}  {'lang':<5} {'officials':>12}  {'in lang':>7}  "
               f"{'any lang':>8}  status")
    for g in table.rows:
        click.echo(f"{g.competency_code:<16} {g.level:>5}  {g.language:<5} {str(g.officials):>12}  "
                   f"{g.resources_in_language:>7}  {g.resources_any_language:>8}  {g.status}")
    moved = f"; the others may be moved by up to {release.noise}" if release.noise else ""
    click.echo(f"Officials: a number under {release.k} shows as \"fewer than {release.k}\"{moved}, "
               "as on the dashboard.")
