"""flask plans build CAMPAIGN_ID [--dry-run] [--background]; flask plans refresh EMAIL"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, User
from app.services import accounts
from app.services.errors import NotFound
from app.services.learning import plans


@click.group("plans", help="Officials' learning plans.")
def plans_cli() -> None:
    pass


@plans_cli.command("build")
@click.argument("campaign_id", type=int)
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--chunk-size", default=250, show_default=True, help="Officials per transaction.")
@click.option("--background", is_flag=True,
              help="Run it as a background job (on the RQ queue when REDIS_URL is set).")
@with_appcontext
def build(campaign_id: int, dry_run: bool, chunk_size: int, background: bool) -> None:
    """Build or refresh the plan of every official with a submitted attempt in CAMPAIGN_ID."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.BadParameter(f"no campaign with id {campaign_id}", param_hint="CAMPAIGN_ID")
    if chunk_size < 1:
        raise click.BadParameter("must be at least 1", param_hint="--chunk-size")
    if background:
        if dry_run:
            raise click.BadParameter("a dry run is not run in the background", param_hint="--dry-run")
        from app.learn.jobs import start_plans_build

        job = start_plans_build(campaign)
        click.echo(f"Job {job.id} ({job.status}): {job.message or 'queued'}")
        return
    def progress(done: int, total: int) -> None:
        click.echo(f"{done}/{total} officials", err=True)

    try:
        report = plans.build_campaign_plans(db.session, campaign_id, dry_run=dry_run,
                                            chunk_size=chunk_size, progress=progress)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from exc
    if dry_run:
        emails = dict(db.session.execute(select(User.id, User.email).where(
            User.id.in_(plans.campaign_officials(campaign_id)))).all())
        for change in report.changes:
            if change.changed:
                what = "new plan" if change.created else "plan updated"
                click.echo(f"{emails.get(change.user_id, change.user_id)}: {what}, {change.added} items "
                           f"added, {change.removed} removed, {change.kept} kept")
    click.echo(f"Campaign {campaign.id} ({campaign.name}): {report.summary()}")


@plans_cli.command("refresh")
@click.argument("email")
@with_appcontext
def refresh(email: str) -> None:
    """Build or refresh one official's plan from their latest submitted assessment."""
    user = accounts.find_by_email(db.session, email)
    if user is None:
        raise click.BadParameter(f"no user with e-mail {email}", param_hint="EMAIL")
    plan = plans.refresh_plan(db.session, user)
    if plan is None:
        raise click.ClickException(f"{user.email} has no submitted assessment yet")
    db.session.commit()
    click.echo(f"{user.email}: {len(plan.items)} items, {len(plan.unmet)} gaps without material")
