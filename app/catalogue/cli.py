"""flask links check [--only-stale-days N]"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.services import links


@click.group("links", help="Check the addresses of catalogue resources.")
def links_cli() -> None:
    pass


@links_cli.command("check")
@click.option("--only-stale-days", "stale_days", type=click.IntRange(min=0), default=None,
              help="Only resources whose link was not checked in the last N days.")
@click.option("--workers", type=click.IntRange(1, 32), default=links.WORKERS, show_default=True,
              help="How many addresses to check at once.")
@click.option("--timeout", type=click.FloatRange(min=0.5), default=links.TIMEOUT, show_default=True,
              help="Seconds to wait for each address.")
@with_appcontext
def check(stale_days: int | None, workers: int, timeout: float) -> None:
    """Record the HTTP status of each published resource's address (0 when unreachable)."""
    targets = links.resources_to_check(db.session, stale_days=stale_days)
    with click.progressbar(length=len(targets), label="Checking links", show_pos=True) as bar:

        def progress(done: int, _total: int) -> None:
            if done:
                bar.update(1)

        summary = links.check_resources(db.session, targets=targets, progress=progress,
                                        workers=workers, timeout=timeout)
    db.session.commit()
    click.echo(summary.line())
    for code, status in summary.broken:
        click.echo(f"  {code}: {'unreachable' if status == links.UNREACHABLE else status}")
