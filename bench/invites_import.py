"""Time checking and importing a 10,000-row officials file, against merely parsing it.

    .venv/bin/python bench/invites_import.py [--rows 10000] [--repeat 3]

Uses a throwaway SQLite file, or the database in DATABASE_URL (which must be migrated already:
flask db upgrade). Nothing is kept: the run's data is rolled back at the end.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

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
    Organisation,
    RoleProfile,
)
from app.models.base import utcnow  # noqa: E402
from app.services.assessment import invite_file, invites  # noqa: E402
from app.services.audit import SYSTEM  # noqa: E402
from config import Config  # noqa: E402

ORGANISATIONS = ("Ministry of Digital Economy", "National Statistics Office", "Revenue Authority",
                 "Ministry of Health", "Civil Service Commission")


def officials_csv(rows: int, tag: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "name", "organisation", "role profile"])
    for i in range(rows):
        writer.writerow([f"official{i}.{tag}@bench.example.org", f"Official {i}",
                         ORGANISATIONS[i % len(ORGANISATIONS)], ("", f"analyst-{tag}", "Developer")[i % 3]])
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the parse and check timings (the best is kept)")
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
        tag = str(int(time.time()))
        try:
            campaign = setup_campaign(session, tag)
            data = officials_csv(args.rows, tag)

            parse, parsed = best_of(args.repeat, lambda: list(
                csv.reader(io.StringIO(data.decode("utf-8-sig")))))
            check, result = best_of(args.repeat, lambda: invites.check_rows(
                session, campaign, invite_file.read_rows(data)))
            assert len(parsed) == args.rows + 1 and not result.errors, result.errors[:3]

            staged = invites.stage_file(session, SYSTEM, campaign, data, "bench.csv")
            started = time.perf_counter()
            imported = invites.import_file(session, SYSTEM, staged)
            session.flush()
            import_time = time.perf_counter() - started
            assert imported.invited == args.rows
        finally:
            session.rollback()  # keep nothing, whichever database this is
        dialect = db.engine.dialect.name

    print(f"database: {dialect}; rows: {args.rows:,}; file: {len(data) / 1024:.0f} KiB")
    print(f"  baseline: csv module parse only      {parse * 1000:8.1f} ms")
    print(f"  check every row (no writes)          {check * 1000:8.1f} ms   {check / parse:6.1f}x baseline")
    print(f"  import (accounts + invitations)      {import_time * 1000:8.1f} ms   "
          f"{import_time / parse:6.1f}x baseline")
    print(f"  check + import                       {(check + import_time):8.2f} s    (limit: 30 s)")
    if temporary:
        temporary.cleanup()


if __name__ == "__main__":
    main()
