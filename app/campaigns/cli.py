"""flask campaigns create | invite | list | remind-due — campaigns from the command line (acting as the
system)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.campaigns.jobs import REMIND, send_invitations
from app.extensions import db
from app.jobs import add as add_job
from app.jobs import start_pending
from app.models import Campaign, Country, Instrument, InstrumentKind, Organisation, RoleProfile
from app.models.base import utcnow
from app.services.assessment import campaign_edit, campaigns, invites
from app.services.audit import SYSTEM
from app.services.errors import DomainError, ValidationFailed


@click.group("campaigns", help="Assessment campaigns.")
def campaigns_cli() -> None:
    pass


def _fail(exc: ValidationFailed) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(f"{exc.field or 'input'}: {exc}")


def _organisation(country: Country, name: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(
        Organisation.country_id == country.id, Organisation.name.ilike(name.strip())))
    if organisation is None:
        raise click.BadParameter(f"no organisation {name!r} in {country.code}",
                                 param_hint="--organisation/--role-profile")
    return organisation


@campaigns_cli.command("create")
@click.option("--country", "country_code", required=True, help="ISO 3166-1 alpha-2 code.")
@click.option("--instrument", "instrument_code", required=True,
              help="Code of an individual instrument; its current version is used.")
@click.option("--name", required=True)
@click.option("--cycle", "cycle_label", required=True, help="baseline, follow-up 1, ...")
@click.option("--opens", required=True, help="YYYY-MM-DD[THH:MM] in the country's time zone.")
@click.option("--closes", required=True,
              help="YYYY-MM-DD[THH:MM] in the country's time zone; a date alone means 23:59 that day.")
@click.option("--organisation", "organisation_names", multiple=True,
              help="An organisation in scope (repeat); without it, every organisation of the country.")
@click.option("--role-profile", "role_profiles", multiple=True, metavar='"ORG NAME=ROLE_CODE"',
              help="Default role profile of an organisation (repeat).")
@click.option("--follows", "baseline_id", type=int, default=None, metavar="CAMPAIGN_ID",
              help="The campaign of the same country this one follows up (its baseline).")
@click.option("--min-checks", type=int, default=2, show_default=True,
              help="Answered knowledge checks a competency needs to be assessed.")
@click.option("--no-self-rating", "self_rating", flag_value=False, default=True,
              help="A competency may be assessed without its self-rating.")
@click.option("--adaptive", is_flag=True, help="Choose each next knowledge check from the answers so far.")
@with_appcontext
def create(country_code: str, instrument_code: str, name: str, cycle_label: str, opens: str,
           closes: str, organisation_names: tuple[str, ...], role_profiles: tuple[str, ...],
           baseline_id: int | None, min_checks: int, self_rating: bool, adaptive: bool) -> None:
    """Create a campaign; with --follows, a follow-up of an earlier one."""
    country = db.session.scalar(select(Country).where(Country.code == country_code.strip().upper()))
    if country is None:
        raise click.BadParameter(f"no country with code {country_code}", param_hint="--country")
    instrument = db.session.scalar(select(Instrument).where(
        Instrument.code == instrument_code, Instrument.current.is_(True),
        Instrument.kind == InstrumentKind.INDIVIDUAL))
    if instrument is None:
        raise click.BadParameter(f"no current individual instrument with code {instrument_code}",
                                 param_hint="--instrument")
    organisations = [_organisation(country, n) for n in organisation_names] or None
    defaults: dict[int, RoleProfile | None] = {}
    for pair in role_profiles:
        org_name, sep, code = pair.rpartition("=")
        if not sep or not org_name.strip() or not code.strip():
            raise click.BadParameter(f"{pair!r} is not ORG NAME=ROLE_CODE", param_hint="--role-profile")
        profile = db.session.scalar(select(RoleProfile).where(RoleProfile.code == code.strip()))
        if profile is None:
            raise click.BadParameter(f"no role profile with code {code.strip()}", param_hint="--role-profile")
        defaults[_organisation(country, org_name).id] = profile
    baseline = db.session.get(Campaign, baseline_id) if baseline_id is not None else None
    if baseline_id is not None and baseline is None:
        raise click.BadParameter(f"no campaign {baseline_id}", param_hint="--follows")
    try:
        campaign = campaigns.create_campaign(
            db.session, SYSTEM, country=country, instrument=instrument, name=name,
            cycle_label=cycle_label, opens_local=campaigns.parse_local(opens, field="opens"),
            closes_local=campaigns.parse_local(closes, field="closes", end_of_day=True),
            organisations=organisations, role_profiles=defaults, baseline=baseline,
            measurement=campaigns.Measurement(min_checks, self_rating, adaptive))
    except ValidationFailed as exc:
        raise _fail(exc) from exc
    db.session.commit()
    click.echo(f"Created campaign {campaign.id}: {campaign.name} ({campaign.cycle_label}) in "
               f"{country.code}, {len(campaign.organisations)} organisations, open "
               f"{campaigns.local_time(campaign.opens_at, country.time_zone):%Y-%m-%d %H:%M} to "
               f"{campaigns.local_time(campaign.closes_at, country.time_zone):%Y-%m-%d %H:%M} "
               f"{country.time_zone}"
               + (f"; follows campaign {baseline.id} ({baseline.name})" if baseline else ""))


def _move_warnings(file: Path, staged, moves: str | None) -> list[dict]:
    """The officials the file would move, each printed; refused unless --moves says what to do."""
    warnings = invites.move_warnings(staged)
    for warning in warnings:
        click.echo(f"{file.name}: {warning['text']}", err=True)
    if warnings and moves is None:
        db.session.rollback()
        raise click.ClickException("nothing imported: give --moves keep or --moves move to say what to do "
                                   "with the officials above")
    return warnings


@campaigns_cli.command("invite")
@click.argument("campaign_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--only-valid", is_flag=True, help="Import the good rows even when some are bad.")
@click.option("--moves", type=click.Choice(["keep", "move"]), default=None,
              help="For officials whose organisation or role profile in the file differs from their "
                   "account's: keep them as they are, or move them as the file says.")
@with_appcontext
def invite(campaign_id: int, file: Path, only_valid: bool, moves: str | None) -> None:
    """Check FILE (CSV: email, name, organisation[, role profile]) and invite its officials.

    Every bad row is printed. With bad rows, nothing is written unless --only-valid is given; with
    officials the file would move, nothing is written unless --moves says what to do with them.
    """
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.BadParameter(f"no campaign {campaign_id}", param_hint="CAMPAIGN_ID")
    try:
        staged = invites.stage_file(db.session, SYSTEM, campaign, file.read_bytes(), file.name)
    except ValidationFailed as exc:
        raise _fail(exc) from exc
    for error in staged.errors:
        click.echo(f"{file.name}: row {error['row']}: {error['field']}: {error['reason']}", err=True)
    counts = invites.problem_counts(staged)
    bad_rows = counts.bad_rows
    if counts.more_rows:
        click.echo(f"{file.name}: and {counts.more_rows} more rows with problems", err=True)
    click.echo(f"{staged.total_rows} rows: {len(staged.valid_rows)} good, {bad_rows} with problems")
    if bad_rows and not only_valid:
        db.session.rollback()
        raise click.ClickException("nothing imported: correct the rows above, or give --only-valid "
                                   "to import the good rows")
    if not staged.valid_rows:
        db.session.rollback()
        raise click.ClickException("nothing to import")
    warnings = _move_warnings(file, staged, moves)

    with click.progressbar(length=2 * len(staged.valid_rows), label="Importing") as bar:
        def advance(done: int, total: int) -> None:
            bar.update(done - bar.pos)

        try:
            result = invites.import_file(db.session, SYSTEM, staged, progress=advance,
                                         choices={w["row"]: moves for w in warnings})
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Invited {result.invited} official{'' if result.invited == 1 else 's'}: "
               f"{result.created} with new account{'' if result.created == 1 else 's'}, "
               f"{result.invited - result.created} who already had one; "
               f"{result.already_invited} invited already"
               + (f"; {result.moved} moved, {result.kept} kept ({result.left_out} of them not invited)"
                  if warnings else ""))

    with click.progressbar(length=result.invited or 1, label="Sending invitations") as bar:
        def sent_so_far(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        sent = send_invitations(campaign.id, "CapStack", sent_so_far)
    db.session.commit()
    click.echo(f"E-mailed {sent} invitations")


@campaigns_cli.command("list")
@click.option("--country", "country_code", default=None, help="Only this country (ISO code).")
@with_appcontext
def list_campaigns(country_code: str | None) -> None:
    """Each campaign with its window, state and response."""
    stmt = (select(Campaign).join(Campaign.country)
            .order_by(Country.code, Campaign.opens_at.desc(), Campaign.id.desc()))
    if country_code:
        stmt = stmt.where(Country.code == country_code.strip().upper())
    found = list(db.session.scalars(stmt))
    figures = campaigns.figures_by_campaign(db.session, [c.id for c in found])
    now = utcnow()
    for c in found:
        zone = c.country.time_zone
        f = figures[c.id]
        rate = "-" if f.response_rate is None else f"{f.response_rate:.0%}"
        click.echo(f"{c.id:>5}  {c.country.code}  {c.name} ({c.cycle_label})  "
                   f"{campaigns.local_time(c.opens_at, zone):%Y-%m-%d %H:%M} – "
                   f"{campaigns.local_time(campaigns.ends_at(c), zone):%Y-%m-%d %H:%M} {zone}  "
                   f"{campaigns.window_state(c, now)}  invited {f.invited}, started {f.started}, "
                   f"submitted {f.submitted} ({rate})")
    if not found:
        click.echo("No campaigns.")


@campaigns_cli.command("remind-due")
@click.option("--now", "now_text", default=None, metavar="YYYY-MM-DDTHH:MM",
              help="Act as if it were this time (UTC); without it, now.")
@with_appcontext
def remind_due(now_text: str | None) -> None:
    """Send the scheduled reminders that are due (run it hourly, e.g. from cron)."""
    try:
        now = datetime.fromisoformat(now_text).astimezone(UTC) if now_text else utcnow()
    except ValueError as exc:
        raise click.BadParameter(f"{now_text!r} is not a time like 2027-03-27T08:00", param_hint="--now") \
            from exc
    due = campaign_edit.due_reminders(db.session, now)
    reminded = 0
    for campaign in due:
        ids = campaigns.record_reminders(db.session, SYSTEM, campaign, now)
        if ids:
            add_job(REMIND, {"campaign_id": campaign.id, "invitation_ids": ids},
                    country_id=campaign.country_id)
            reminded += len(ids)
    db.session.commit()
    start_pending()
    click.echo(f"{len(due)} campaign{'s' if len(due) != 1 else ''} with reminders due: "
               f"{reminded} official{'s' if reminded != 1 else ''} reminded")
