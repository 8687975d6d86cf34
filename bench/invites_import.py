"""Time checking and importing a 10,000-row officials file, against merely parsing it and, on
PostgreSQL, against a raw COPY of the same rows.

    .venv/bin/python bench/invites_import.py [--rows 10000] [--repeat 3]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/capstack_invites \
        .venv/bin/python bench/invites_import.py --rows 100000 --repeat 3

Uses a throwaway SQLite file, or the database in DATABASE_URL (which must be migrated already:
flask db upgrade; use a database of your own). Nothing is kept: the run's data is rolled back.

On PostgreSQL each round imports a fresh file (loaded from the database as the route loads it) and,
alternating with it, COPYs the very rows the import writes (accounts with their ids and session ids,
then invitations) straight into ``users`` and ``invitations``: the floor of writing them, with the
same indexes and foreign keys. A COPY of the file's four columns into a bare temporary table is
reported too. The best of the rounds is kept for each.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import secrets
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Area,
    Campaign,
    CampaignOrganisation,
    Competency,
    Country,
    Framework,
    Instrument,
    InstrumentKind,
    InviteFile,
    Organisation,
    RoleProfile,
)
from app.models.base import utcnow  # noqa: E402
from app.services.assessment import invite_file, invites  # noqa: E402
from app.services.audit import SYSTEM  # noqa: E402
from config import Config  # noqa: E402

ORGANISATIONS = ("Ministry of Digital Economy", "National Statistics Office", "Revenue Authority",
                 "Ministry of Health", "Civil Service Commission")


def officials(rows: int, tag: str, batch: str = "") -> list[list[str]]:
    return [[f"official{i}.{tag}{batch}@bench.example.org", f"Official {i}",
             ORGANISATIONS[i % len(ORGANISATIONS)], ("", f"analyst-{tag}", "Developer")[i % 3]]
            for i in range(rows)]


def officials_csv(rows: int, tag: str, batch: str = "") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "name", "organisation", "role profile"])
    writer.writerows(officials(rows, tag, batch))
    return out.getvalue().encode("utf-8")


def free_country_code(session) -> str:
    taken = set(session.scalars(select(Country.code)))
    return next(f"{a}{b}" for a in "XQ" for b in "ABCDEFGHIJKLMNOPQRSTUVWYZ" if f"{a}{b}" not in taken)


def setup_campaign(session, tag: str) -> Campaign:
    now = utcnow()
    country = Country(code=free_country_code(session), name=f"Benchland {tag}", time_zone="Africa/Nairobi")
    framework = Framework(code=f"bench-{tag}", name="Bench framework", version="1")
    area = Area(framework=framework, code="A", name="Area")
    Competency(framework=framework, area=area, code="A.1", name="Competency")
    instrument = Instrument(code=f"bench-{tag}", version=1, name="Bench", kind=InstrumentKind.INDIVIDUAL,
                            framework=framework, content_hash="0" * 64)
    analyst = RoleProfile(code=f"analyst-{tag}", name="Data analyst", framework=framework)
    developer = RoleProfile(code=f"developer-{tag}", name="Developer", framework=framework)
    campaign = Campaign(country=country, instrument=instrument, name="Bench", cycle_label="baseline",
                        opens_at=now, closes_at=now.replace(year=now.year + 1))
    campaign.organisations = [
        CampaignOrganisation(organisation=Organisation(country=country, name=name),
                             default_role_profile=analyst if n == 0 else None)
        for n, name in enumerate(ORGANISATIONS)]
    session.add_all([campaign, analyst, developer])
    session.flush()
    return campaign


def best_of(repeat: int, function):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


@contextmanager
def rolled_back(session):
    """A savepoint, rolled back at the end whatever happens."""
    savepoint = session.begin_nested()
    session.connection()  # emits the SAVEPOINT now: the COPYs below bypass the session
    try:
        yield
    finally:
        savepoint.rollback()


def raw_copy(session, campaign: Campaign, staged: InviteFile) -> float:
    """Seconds to COPY the rows importing ``staged`` writes straight into users and invitations
    (their values made beforehand, untimed), inside a savepoint rolled back after."""
    rows, now = staged.valid_rows, utcnow()
    cursor = session.connection().connection.driver_connection.cursor()
    with rolled_back(session):
        cursor.execute("SELECT nextval(pg_get_serial_sequence('users', 'id')) FROM generate_series(1, %s)",
                       (len(rows),))
        ids = [found[0] for found in cursor.fetchall()]
        users = [(user_id, row["email"], row["name"], "official", row["organisation_id"],
                  campaign.country_id, True, now, secrets.token_urlsafe(32))
                 for user_id, row in zip(ids, rows, strict=True)]
        invitations = [(campaign.id, user_id, row["organisation_id"], row["role_profile_id"], now, 0)
                       for user_id, row in zip(ids, rows, strict=True)]
        started = time.perf_counter()
        with cursor.copy("COPY users (id, email, name, role, organisation_id, country_id, active, "
                         "created_at, session_token) FROM STDIN") as copy:
            for values in users:
                copy.write_row(values)
        with cursor.copy("COPY invitations (campaign_id, user_id, organisation_id, role_profile_id, "
                         "invited_at, reminders) FROM STDIN") as copy:
            for values in invitations:
                copy.write_row(values)
        elapsed = time.perf_counter() - started
    return elapsed


def bare_copy(session, cells: list[list[str]]) -> float:
    """Seconds to COPY the file's four columns into a bare temporary table (no index, no key)."""
    cursor = session.connection().connection.driver_connection.cursor()
    with rolled_back(session):
        cursor.execute("CREATE TEMPORARY TABLE bench_scratch (email text, name text, organisation text, "
                       "role_profile text)")
        started = time.perf_counter()
        with cursor.copy("COPY bench_scratch FROM STDIN") as copy:
            for values in cells:
                copy.write_row(values)
        elapsed = time.perf_counter() - started
    return elapsed


def timed_import(session, campaign: Campaign, tag: str, rows: int, batch: str) -> tuple[float, object]:
    """Seconds to import a fresh file checked beforehand, reloaded from the database as the route
    loads it; inside a savepoint rolled back after."""
    with rolled_back(session):
        staged = invites.stage_file(session, SYSTEM, campaign, officials_csv(rows, tag, batch), "b.csv")
        session.flush()
        file_id = staged.id
        session.expire(staged)
        started = time.perf_counter()
        imported = invites.import_file(session, SYSTEM, session.get(InviteFile, file_id))
        session.flush()
        elapsed = time.perf_counter() - started
    assert imported.invited == rows, imported
    return elapsed, imported


def compare_with_copy(session, campaign: Campaign, tag: str, rows: int, repeat: int) -> None:
    session.execute(text("ANALYZE"))
    imports, copies, bare = [], [], []
    for round_number in range(repeat):  # alternating, so both see the same machine and table state
        elapsed, _ = timed_import(session, campaign, tag, rows, f"i{round_number}")
        imports.append(elapsed)
        with rolled_back(session):
            staged = invites.stage_file(session, SYSTEM, campaign,
                                        officials_csv(rows, tag, f"c{round_number}"), "c.csv")
            session.flush()
            copies.append(raw_copy(session, campaign, staged))
        bare.append(bare_copy(session, officials(rows, tag, f"c{round_number}")))
    best_import, best_copy, best_bare = min(imports), min(copies), min(bare)
    print(f"  raw COPY into users + invitations    {best_copy * 1000:8.1f} ms   (best of {repeat})")
    print(f"  import, file loaded as by the route  {best_import * 1000:8.1f} ms   "
          f"{best_import / best_copy:6.2f}x raw COPY (goal <= 1.5x)")
    print(f"  raw COPY into a bare temporary table {best_bare * 1000:8.1f} ms   "
          f"(import {best_import / best_bare:.1f}x that)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each timing (the best is kept)")
    args = parser.parse_args()

    config = Config()
    temporary = None
    if not os.environ.get("DATABASE_URL"):
        temporary = tempfile.TemporaryDirectory()
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{temporary.name}/bench.sqlite"
    app = create_app(config)
    with app.app_context():
        if temporary:
            upgrade()
        session = db.session
        dialect = db.engine.dialect.name
        tag = str(int(time.time()))
        try:
            campaign = setup_campaign(session, tag)
            data = officials_csv(args.rows, tag)

            parse, parsed = best_of(args.repeat, lambda: list(
                csv.reader(io.StringIO(data.decode("utf-8-sig")))))
            check, result = best_of(args.repeat, lambda: invites.check_rows(
                session, campaign, invite_file.read_rows(data)))
            assert len(parsed) == args.rows + 1 and not result.errors, result.errors[:3]
            import_time, _ = timed_import(session, campaign, tag, args.rows, "first")

            print(f"database: {dialect}; rows: {args.rows:,}; file: {len(data) / 1024:.0f} KiB")
            print(f"  baseline: csv module parse only      {parse * 1000:8.1f} ms")
            print(f"  check every row (no writes)          {check * 1000:8.1f} ms   "
                  f"{check / parse:6.1f}x baseline")
            print(f"  import (accounts + invitations)      {import_time * 1000:8.1f} ms   "
                  f"{import_time / parse:6.1f}x baseline")
            print(f"  check + import                       {(check + import_time):8.2f} s    (limit: 30 s)")
            if dialect == "postgresql":
                compare_with_copy(session, campaign, tag, args.rows, args.repeat)
        finally:
            session.rollback()  # keep nothing, whichever database this is
    if temporary:
        temporary.cleanup()


if __name__ == "__main__":
    main()
