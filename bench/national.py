"""Generate a country of N officials x 3 cycles into a named PostgreSQL database, and keep it.

    .venv/bin/python bench/national.py [--officials 100000] [--database capstack_national]
                                       [--organisations 60] [--seed 11] [--answers/--no-answers]

The database is dropped and created again (never one named ``test``), migrated with ``flask db
upgrade`` and given the bundled content with the same sync as ``flask content sync``. The country,
its organisations, staff, campaigns, course paths and organisation assessments are written through
the app's own services; the bulk (officials, invitations, attempts, forms, answers, competency
results, plans, progress, enrolments, feedback and follow-up surveys) with COPY (bench/national_rows.py),
then ANALYZE. Three actors for bench/pages.py sign in with a known password (printed): an admin, the
country's focal point, and an official with an attempt in progress in the open campaign, a submitted
one in the cycle before it and a learning plan.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.content.loader import load_content  # noqa: E402
from app.content.sync import sync_content  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Campaign,
    CampaignOrganisation,
    Competency,
    Instrument,
    InstrumentKind,
    Item,
    ItemKind,
    PathVersion,
    Resource,
    RoleProfile,
    RoleTarget,
    User,
)
from app.models.base import utcnow  # noqa: E402
from app.services import accounts, passwords, places
from app.services.assessment import answers as saving  # noqa: E402
from app.services.assessment import taking  # noqa: E402
from app.services.audit import SYSTEM, Actor  # noqa: E402
from app.services.demo import assessments as demo_assessments  # noqa: E402
from app.services.demo import courses as demo_courses  # noqa: E402
from app.services.demo import results as demo_results  # noqa: E402
from app.services.evaluation import pair_store  # noqa: E402
from app.services.learning import plans  # noqa: E402
from bench import national_rows as rows  # noqa: E402
from config import Config  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432"
HOST = ("-h", "127.0.0.1", "-U", "postgres")
PASSWORD = "national-bench-2026"  # noqa: S105 - a benchmark database only
ADMIN, FOCAL = "admin@national.example.org", "focal@national.example.org"
CYCLES = 3
TABLES = ("users", "invitations", "attempts", "attempt_items", "answers", "competency_results",
          "learning_plans", "plan_items", "progress", "enrolments", "feedback", "follow_ups")


def database_url(name: str) -> str:
    return f"{os.environ.get('NATIONAL_PG', PG)}/{name}"


def recreate(name: str) -> None:
    if name in ("test", "postgres", "template0", "template1"):
        sys.exit(f"refusing to drop the database {name!r}")
    for command in (["dropdb", *HOST, "--if-exists", "--force", name], ["createdb", *HOST, name]):
        subprocess.run([_tool(command[0]), *command[1:]], check=True)  # noqa: S603 - our own arguments


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        sys.exit(f"{name} (the PostgreSQL client) is not on PATH")
    return found


def staff_and_country(session, organisations: int, rng: random.Random):
    """The country, its organisations (one in five under a parent), the admin and the focal point."""
    country = places.save_country(session, SYSTEM, code="NB", name="Nationland", time_zone="Africa/Nairobi")
    orgs = []
    for number in range(organisations):
        parent = orgs[rng.randrange(len(orgs))] if orgs and number % 5 == 4 else None
        orgs.append(places.save_organisation(session, SYSTEM, country=country,
                                             name=f"Ministry {number + 1:02d}", parent=parent))
    admin = accounts.create_user(session, SYSTEM, email=ADMIN, name="Ada Admin", role="admin", country=None)
    focal = accounts.create_user(session, SYSTEM, email=FOCAL, name="Fatou Focal", role="focal_point",
                                 country=country)
    return country, orgs, admin, focal


def campaigns(session, country, instrument, orgs, roles, now, rng) -> list[Campaign]:
    """A baseline two years ago, a follow-up a year ago (both closed), and one open now."""
    made, previous = [], None
    for cycle in range(CYCLES):
        opens = now - timedelta(days=365 * (CYCLES - 1 - cycle) + 30)
        closes = opens + timedelta(days=60 if cycle == CYCLES - 1 else 45)
        campaign = Campaign(country=country, instrument=instrument, name=f"Digital skills {opens.year}",
                            cycle_label="baseline" if cycle == 0 else f"follow-up {cycle}", baseline=previous,
                            opens_at=opens, closes_at=closes)
        campaign.organisations = [CampaignOrganisation(organisation=o, default_role_profile=rng.choice(roles))
                                  for o in orgs]
        session.add(campaign)
        made.append(campaign)
        previous = campaign
    session.flush()
    return made


def country_spec(session, country, orgs, instrument, made, rng, now) -> rows.Country:
    competencies = list(session.scalars(select(Competency.id).where(
        Competency.framework_id == instrument.framework_id, Competency.retired.is_(False))
        .order_by(Competency.position)))
    codes = {cid: code for cid, code in session.execute(select(Competency.id, Competency.code))}
    roles = list(session.scalars(select(RoleProfile.id)
                                 .where(RoleProfile.framework_id == instrument.framework_id)))
    targets: dict[int, dict[int, int]] = {}
    for role, competency, level in session.execute(
            select(RoleTarget.role_profile_id, RoleTarget.competency_id, RoleTarget.level)):
        targets.setdefault(role, {})[competency] = level
    items = list(session.scalars(select(Item).where(Item.instrument_id == instrument.id)
                                 .order_by(Item.position)))
    checks: dict[tuple[int, int], list] = {}
    for item in items:
        if item.kind == ItemKind.KNOWLEDGE:
            checks.setdefault((item.competency_id, item.level), []).append(
                (item.id, item.key, tuple(str(o["value"]) for o in item.options)))
    areas = sorted({codes[c].split(".")[0] for c in competencies})
    strength = {}
    for org in orgs:  # each organisation is a little stronger in one area, a little weaker overall or not
        area, overall = rng.choice(areas), rng.uniform(-0.2, 0.2)
        strength[org.id] = {c: overall + (rng.uniform(0.1, 0.5) if codes[c].startswith(area) else 0.0)
                            for c in competencies}
    first = {table: 1 for table in rows.COLUMNS}
    first["users"] = (session.scalar(select(func.max(User.id))) or 0) + 1
    return rows.Country(
        country_id=country.id, organisations=[o.id for o in orgs],
        org_roles={o.id: [(r, rng.lognormvariate(0, 1)) for r in rng.sample(roles, min(len(roles), 5))]
                   for o in orgs},
        org_strength=strength, competencies=competencies, targets=targets, instrument_id=instrument.id,
        campaigns=[(c.id, c.opens_at, c.closes_at) for c in made],
        context_items=[(i.id, i.code, i.input, tuple(str(o["value"]) for o in i.options))
                       for i in items if i.kind == ItemKind.CONTEXT],
        self_items={i.competency_id: i.id for i in items if i.kind == ItemKind.SELF_RATING},
        checks=checks,
        resources=[(rid, hours) for rid, hours in session.execute(
            select(Resource.id, Resource.hours).where(Resource.status == "published"))],
        path_versions=list(session.scalars(select(PathVersion.id).where(PathVersion.status == "published"))),
        now=now, first_ids=first)


def reset_sequences(session) -> None:
    for table in rows.COLUMNS:
        if "id" in rows.COLUMNS[table]:
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                                 f"COALESCE((SELECT max(id) FROM {table}), 1))"))  # (names of ours)


def actors(session, made: list[Campaign], official_id: int, now) -> dict[str, object]:
    """Passwords for the three actors; the official starts the open campaign through the app and
    answers its first sections, and gets their learning plan from the app's matcher."""
    hashed = passwords.hash_password(PASSWORD)
    official = session.get_one(User, official_id)
    for user in session.scalars(select(User).where(User.email.in_((ADMIN, FOCAL, official.email)))):
        user.password_hash, user.activated_at = hashed, user.created_at
    attempt = taking.start(session, official, made[-1].id, now - timedelta(hours=1))
    items = list(session.scalars(select(Item).where(Item.instrument_id == made[-1].instrument_id,
                                                    Item.kind == ItemKind.CONTEXT)))
    given = {i.id: ([i.options[0]["value"]] if i.input == "multiple" else i.options[0]["value"])
             for i in items if i.options}
    saving.save_answers(session, attempt.id, official.id, given, now=now - timedelta(minutes=50),
                        section=0, advance=True)
    previous = session.scalar(text("SELECT id FROM attempts WHERE user_id = :u AND campaign_id = :c "
                                   "AND status = 'submitted'"), {"u": official.id, "c": made[-2].id})
    plans.refresh_plan(session, official)
    session.commit()
    return {"official": official.email, "in_progress_attempt": attempt.id, "submitted_attempt": previous}


def levels_per_cycle(session) -> list:
    """Per cycle: the submitted attempts, the mean level and the mean gap (the drift shows here)."""
    return session.execute(text(
        "SELECT c.cycle_label, count(DISTINCT a.id), avg(r.calibrated_level), avg(r.gap) "
        "FROM campaigns c JOIN attempts a ON a.campaign_id = c.id AND a.status = 'submitted' "
        "JOIN competency_results r ON r.attempt_id = a.id GROUP BY c.id, c.cycle_label ORDER BY c.id")).all()


def build(args) -> None:
    started = time.perf_counter()
    rng = random.Random(args.seed)
    now = utcnow()
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://" + database_url(args.database).split("://", 1)[1]
    app = create_app(config)
    with app.app_context():
        upgrade()
        session = db.session
        loaded = load_content(None)
        if not loaded.ok:
            sys.exit(f"the bundled content does not load: {loaded.error_count} error(s)")
        sync_content(session, loaded.content)
        instrument = session.scalar(select(Instrument).where(
            Instrument.code == demo_assessments.INSTRUMENT, Instrument.current.is_(True),
            Instrument.kind == InstrumentKind.INDIVIDUAL))
        country, orgs, admin, focal = staff_and_country(session, args.organisations, rng)
        roles = list(session.scalars(select(RoleProfile)
                                     .where(RoleProfile.framework_id == instrument.framework_id)))
        made = campaigns(session, country, instrument, orgs, roles, now, rng)
        session.commit()
        demo_courses.ensure_paths(session, Actor(admin))
        spec = country_spec(session, country, orgs, instrument, made, rng, now)
        setup = time.perf_counter() - started
        print(f"schema, content, country, campaigns, paths: {setup:.1f} s")
        official_id = spec.first_ids["users"]
        cursor = session.connection().connection.driver_connection.cursor()
        # The rows are consistent by construction: skip the per-row foreign-key triggers while loading
        # (a superuser setting, for this transaction only), as pg_restore --disable-triggers does.
        cursor.execute("SET LOCAL session_replication_role = replica")
        counts = rows.write_country(cursor, spec, args.officials, args.seed, answers=args.answers)
        reset_sequences(session)
        session.commit()
        loaded_at = time.perf_counter()
        print(f"COPY: {loaded_at - started - setup:.1f} s")
        pairs = pair_store.rebuild(session)  # COPY went round the ORM, which keeps them in step
        session.commit()
        print(f"pairs of results: {pairs:,} in {time.perf_counter() - loaded_at:.1f} s")
        for campaign in made:  # the organisation assessments, through the app
            demo_assessments.assess_organisations(session, Actor(focal), campaign, args.seed,
                                                  improvement=campaign.baseline_id is not None, now=now)
        demo_results.record_indicators(session, Actor(focal), country, orgs, made[0], args.seed, now)
        who = actors(session, made, official_id, now)
        levels = levels_per_cycle(session)
    analyse(args.database)
    report(args, counts, who, time.perf_counter() - started)
    for label, attempts, level, gap in levels:
        print(f"  {label:12} {attempts:>8,} submitted, mean level {level:.2f}, mean gap {gap:.2f}")


def analyse(name: str) -> None:
    subprocess.run([_tool("psql"), "-q", *HOST, "-d", name, "-c", "ANALYZE"], check=True)  # noqa: S603


def report(args, counts: rows.Counts, who: dict, seconds: float) -> None:
    print(f"\ndatabase {args.database}: {args.officials:,} officials x {CYCLES} cycles, "
          f"{args.organisations} organisations, answers {'on' if args.answers else 'off'}")
    for table in TABLES:
        print(f"  {table:20}{counts.rows.get(table, 0):>14,}")
    print(f"total {sum(counts.rows.values()):,} rows written by COPY; "
          f"{seconds:.1f} s in all (ANALYZE included)")
    print(f"\nsign in with the password {PASSWORD!r}:")
    print(f"  admin        {ADMIN}\n  focal point  {FOCAL}\n  official     {who['official']} "
          f"(attempt {who['in_progress_attempt']} in progress, attempt {who['submitted_attempt']} submitted)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officials", type=int, default=100_000)
    parser.add_argument("--database", default="capstack_national")
    parser.add_argument("--organisations", type=int, default=60)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--answers", action=argparse.BooleanOptionalAction, default=True,
                        help="the latest cycle's forms and answers (the biggest tables)")
    args = parser.parse_args()
    recreate(args.database)
    build(args)


if __name__ == "__main__":
    main()
