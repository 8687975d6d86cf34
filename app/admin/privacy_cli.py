"""flask privacy export EMAIL | erase EMAIL | retention: a person's data, out or gone."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.models.base import utcnow
from app.services import accounts, privacy
from app.services.audit import SYSTEM
from app.services.errors import ValidationFailed
from app.services.privacy import retention


def evidence_dir() -> Path:
    return Path(current_app.instance_path) / "evidence"  # where app.learn stores uploads


@click.group("privacy", help="Export or erase one person's data; erase accounts past retention.")
def privacy_cli() -> None:
    pass


@privacy_cli.command("export")
@click.argument("email")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Zip file to write (default: privacy-export-<user id>.zip).")
@with_appcontext
def export_command(email: str, out: Path | None) -> None:
    """Write a zip of EMAIL's rows (JSON per table) and evidence files."""
    user = accounts.find_by_email(db.session, email)
    if user is None:
        raise click.ClickException("No account has this e-mail address")
    result = privacy.export(db.session, SYSTEM, user, evidence_dir=evidence_dir())
    out = out or Path(f"privacy-export-{user.id}.zip")
    out.write_bytes(result.data)
    db.session.commit()
    click.echo(f"Wrote {out}: {sum(result.rows.values())} rows in {len(result.rows)} tables, "
               f"{result.files} files.")


@privacy_cli.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_command(email: str, yes: bool) -> None:
    """Erase EMAIL's personal data; results stay, de-identified. Safe to run again."""
    user = accounts.find_by_email(db.session, email)
    if user is None:
        click.echo("No account has this e-mail address: nothing to erase (already erased?).")
        return
    if not yes:
        click.confirm(f"Erase account {user.id} for good?", abort=True)
    try:
        result = privacy.erase(db.session, SYSTEM, user, evidence_dir=evidence_dir())
    except ValidationFailed as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Erased account {result.user_id}: {sum(result.changes.values())} values, "
               f"{result.files} files.")


@privacy_cli.command("retention")
@with_appcontext
def retention_command() -> None:
    """Erase accounts deactivated more than ERASE_DEACTIVATED_AFTER_DAYS days ago (off when unset)."""
    days = current_app.config.get("ERASE_DEACTIVATED_AFTER_DAYS")
    if not days:
        click.echo("ERASE_DEACTIVATED_AFTER_DAYS is not set: nothing is erased.")
        return
    try:
        erased = retention.erase_due(db.session, SYSTEM, days, utcnow(), evidence_dir=evidence_dir())
    except ValidationFailed as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Erased {len(erased)} accounts deactivated more than {days} days ago"
               + (f": {', '.join(str(e.user_id) for e in erased)}." if erased else "."))
