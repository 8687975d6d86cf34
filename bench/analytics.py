"""Time the heavy analytics tables on a synthetic country, against merely reading the rows they read.

    .venv/bin/python bench/analytics.py [--officials 5000] [--cycles 3] [--organisations 12] [--seed 7]
                                        [--repeat 3]

A country of ``--officials`` officials in ``--organisations`` organisations and 5 role profiles, each
assessed on the 21 competencies in a chain of ``--cycles`` campaigns (baseline → follow-up 1 → ...),
nine in ten taking each cycle; one result in 25 is not assessed (no level, no gap) and one in five is
validated by a manager (timed again with the "validated only" filter). Uses a throwaway SQLite file,
or the database in DATABASE_URL (which must be migrated already: flask db upgrade); nothing is kept:
the data is rolled back at the end.

Baselines, taken in the same run: for the cross-sectional tables, the time to SELECT the result rows
the heatmap reads (each official's latest results) into Python, without grouping anything; for the
paired change, the obvious alternative of fetching every pair of results and giving each group's pairs
to app.services.evaluation.stats.paired_change in pandas (the script checks both give the same figures).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import and_, insert, select  # noqa: E402
from sqlalchemy.orm import aliased  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Area,
    Attempt,
    AttemptStatus,
    Campaign,
    Competency,
    CompetencyResult,
    Country,
    Framework,
    Instrument,
    InstrumentKind,
    Invitation,
    Organisation,
    RoleProfile,
    User,
)
from app.services import evaluation as analytics  # noqa: E402
from app.services.evaluation.common import chosen_attempts  # noqa: E402
from app.services.evaluation.release import Release  # noqa: E402
from app.services.evaluation.stats import paired_change  # noqa: E402
from config import Config  # noqa: E402

COMPETENCIES = 21

RELEASE = Release.for_deployment(5, 2, "bench")  # as a deployment releases every table


def populate(session, officials: int, cycles: int, organisations: int, seed: int) -> int:
    """Write the country; return its id."""
    rng = random.Random(seed)
    taken = set(session.scalars(select(Country.code)))
    code = next(f"{a}{b}" for a in "QXZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if f"{a}{b}" not in taken)
    tag = f"bench-{code}-{int(time.time())}"
    country = Country(code=code, name="Benchland", time_zone="Africa/Nairobi")
    orgs = [Organisation(country=country, name=f"Ministry {n}") for n in range(organisations)]
    framework = Framework(code=tag, name="Bench framework", version="1")
    area = Area(framework=framework, code="A", name="Area")
    competencies = [Competency(framework=framework, area=area, code=f"C.{n}", name=f"Competency {n}",
                               position=n) for n in range(COMPETENCIES)]
    roles = [RoleProfile(code=f"{tag}-role-{n}", name=f"Role {n}", framework=framework) for n in range(5)]
    instrument = Instrument(code=tag, version=1, name="Bench", kind=InstrumentKind.INDIVIDUAL,
                            framework=framework, content_hash="0" * 64)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    campaigns, previous = [], None
    for cycle in range(cycles):
        campaign = Campaign(country=country, instrument=instrument, name=f"Cycle {cycle}",
                            cycle_label="baseline" if cycle == 0 else f"follow-up {cycle}", baseline=previous,
                            opens_at=start + timedelta(days=365 * cycle),
                            closes_at=start + timedelta(days=365 * cycle + 30))
        campaigns.append(campaign)
        previous = campaign
    session.add_all([*orgs, *competencies, *roles, *campaigns])
    session.flush()
    targets = {(r.id, c.id): rng.randint(1, 4) for r in roles for c in competencies}

    first_user = (session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0) + 1
    first_attempt = (session.scalar(select(Attempt.id).order_by(Attempt.id.desc()).limit(1)) or 0) + 1
    people = [(first_user + n, rng.choice(orgs).id, rng.choice(roles).id) for n in range(officials)]
    session.execute(insert(User), [
        {"id": uid, "email": f"{tag}-{uid}@bench.example.org", "name": f"Official {uid}", "role": "official",
         "country_id": country.id, "organisation_id": org} for uid, org, _role in people])
    skill = {uid: [rng.randint(0, 3) for _ in competencies] for uid, _o, _r in people}
    invitations, attempts, results = [], [], []
    attempt_id = first_attempt
    for cycle, campaign in enumerate(campaigns):
        for uid, org, role in people:
            invitations.append({"campaign_id": campaign.id, "user_id": uid, "organisation_id": org,
                                "role_profile_id": role, "invited_at": campaign.opens_at})
            if rng.random() > 0.9:
                continue
            submitted = rng.random() < 0.95
            attempts.append({"id": attempt_id, "campaign_id": campaign.id, "user_id": uid,
                             "instrument_id": instrument.id, "country_id": country.id, "organisation_id": org,
                             "role_profile_id": role, "status": AttemptStatus.SUBMITTED if submitted
                             else AttemptStatus.IN_PROGRESS, "started_at": campaign.opens_at,
                             "submitted_at": campaign.opens_at + timedelta(days=rng.randint(0, 29))
                             if submitted else None})
            if submitted:
                results.extend(_result(rng, attempt_id, competency.id, targets[(role, competency.id)],
                                       min(4, skill[uid][i] + (cycle if rng.random() < 0.4 else 0)))
                               for i, competency in enumerate(competencies))
            attempt_id += 1
    session.execute(insert(Invitation), invitations)
    session.execute(insert(Attempt), attempts)
    for chunk in range(0, len(results), 50_000):
        session.execute(insert(CompetencyResult), results[chunk:chunk + 50_000])
    session.flush()
    return country.id, len(results)


def _result(rng, attempt_id: int, competency_id: int, target: int, level: int | None) -> dict:
    """One result row: one in 25 not assessed (too little evidence: no level, so no gap), one in
    five validated by a manager."""
    source = rng.choices(("not_assessed", "validated", "assessed"), (1, 5, 19))[0]
    if source == "not_assessed":
        level = None
    return {"attempt_id": attempt_id, "competency_id": competency_id, "calibrated_level": level,
            "self_level": level, "knowledge_total": 2,
            "knowledge_correct": min(2, rng.randint(0, 1) + ((level or 0) >= 2)), "target_level": target,
            "gap": None if level is None else max(0, target - level), "source": source, "evidence": {},
            "confidence": "ok"}


def timed(function, repeat: int):
    best, value = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - started)
    return best, value


def read_heatmap_rows(session, scope):
    """The baseline: the rows the heatmap groups, read into Python, grouped by nothing."""
    chosen = chosen_attempts(scope, analytics.Filters())
    return session.execute(select(chosen.c.organisation_id, CompetencyResult.competency_id,
                                  CompetencyResult.gap)
                           .join(CompetencyResult, CompetencyResult.attempt_id == chosen.c.attempt_id)).all()


def change_in_pandas(session, scope):
    """The alternative to grouping in SQL: fetch every pair, then stats.paired_change per group."""
    after_attempt, before_attempt = aliased(Attempt), aliased(Attempt)
    campaign = aliased(Campaign)
    after, before = aliased(CompetencyResult), aliased(CompetencyResult)
    stmt = (select(campaign.id, after.competency_id, before.calibrated_level, after.calibrated_level)
            .select_from(after_attempt)
            .join(campaign, and_(campaign.id == after_attempt.campaign_id, campaign.baseline_id.is_not(None)))
            .join(before_attempt, and_(before_attempt.campaign_id == campaign.baseline_id,
                                       before_attempt.user_id == after_attempt.user_id,
                                       before_attempt.status == AttemptStatus.SUBMITTED))
            .join(after, after.attempt_id == after_attempt.id)
            .join(before, and_(before.attempt_id == before_attempt.id,
                               before.competency_id == after.competency_id))
            .where(after_attempt.status == AttemptStatus.SUBMITTED,
                   after_attempt.country_id.in_(sorted(scope))))
    frame = pd.DataFrame(session.execute(stmt).all(), columns=["campaign", "competency", "before", "after"])
    frame = frame.dropna(subset=["before", "after"])  # a pair needs a level in both cycles
    return {key: paired_change(group.before.tolist(), group.after.tolist())
            for key, group in frame.groupby(["campaign", "competency"])}, len(frame)


def time_tables(session, scope, repeat: int) -> None:
    """Print each table's time against the baseline of reading the heatmap's rows; every table is
    released as a deployment releases it (threshold 5, cell-key noise)."""
    validated = analytics.Filters(validated_only=True)
    baseline, raw = timed(lambda: read_heatmap_rows(session, scope), repeat)
    print(f"baseline: SELECT the {len(raw):,} result rows the heatmap reads: {baseline:.3f} s")
    print(f"{'table':32}{'rows':>7}{'seconds':>10}{'x baseline':>12}")
    for name, call in (
        ("heatmap", lambda: analytics.heatmap(session, scope, k=RELEASE)),
        ("level distribution", lambda: analytics.level_distribution(session, scope, k=RELEASE)),
        ("assets", lambda: analytics.assets(session, scope, k=RELEASE)),
        ("participation funnel", lambda: analytics.participation_funnel(session, scope, k=RELEASE)),
        ("trend", lambda: analytics.trend(session, scope, k=RELEASE)),
        ("pairing by organisation", lambda: analytics.pairing(session, scope, k=RELEASE, by="organisation")),
        ("change by competency", lambda: analytics.change_by_competency(session, scope, k=RELEASE)),
        ("change by organisation", lambda: analytics.change_by_organisation(session, scope, k=RELEASE)),
        ("change by role profile", lambda: analytics.change_by_role_profile(session, scope, k=RELEASE)),
        ("heatmap, validated only", lambda: analytics.heatmap(session, scope, validated, RELEASE)),
        ("change by org., validated only",
         lambda: analytics.change_by_organisation(session, scope, validated, RELEASE)),
        ("person-level (pseudonymised)", lambda: analytics.person_levels(session, scope, key="k")),
    ):
        seconds, table = timed(call, repeat)
        print(f"{name:32}{len(table.rows):>7}{seconds:>10.3f}{seconds / baseline:>11.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officials", type=int, default=5000)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--organisations", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing; the best counts")
    args = parser.parse_args()

    config = Config()
    temporary = None
    if os.environ.get("DATABASE_URL"):
        config.SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    else:
        temporary = tempfile.TemporaryDirectory()
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{temporary.name}/bench.sqlite"
    app = create_app(config)
    with app.app_context():
        if temporary:
            upgrade()
        session = db.session
        try:
            setup, (country_id, result_rows) = timed(
                lambda: populate(session, args.officials, args.cycles, args.organisations, args.seed), 1)
            scope = frozenset({country_id})
            print(f"database: {db.engine.dialect.name}; {args.officials:,} officials x {COMPETENCIES} "
                  f"competencies x {args.cycles} cycles: {result_rows:,} results written in {setup:.1f} s")
            time_tables(session, scope, args.repeat)

            in_sql, table = timed(lambda: analytics.change_by_competency(session, scope, k=1), args.repeat)
            in_pandas, (pairs, fetched) = timed(lambda: change_in_pandas(session, scope), args.repeat)
            for row in table.rows:
                expected = pairs[(row.campaign_id, row.group_id)]
                got = (row.pairs, row.change, row.ci_low, row.ci_high, row.p, row.cohens_dz)
                want = (expected.n, expected.mean_change, expected.ci_low, expected.ci_high, expected.p,
                        expected.cohens_dz)
                if any((g is None) != (w is None) or (g is not None and abs(g - w) > 1e-9)
                       for g, w in zip(got, want, strict=True)):
                    sys.exit(f"the figures differ for {row.campaign}, {row.group}: the timings mean nothing")
            print(f"paired change per competency, same figures: grouped in SQL {in_sql:.3f} s; "
                  f"{fetched:,} pairs fetched into pandas + stats.paired_change {in_pandas:.3f} s "
                  f"({in_pandas / in_sql:.1f}x)")
        finally:
            session.rollback()  # keep nothing, whichever database this is
            db.session.remove()
    if temporary:
        temporary.cleanup()


if __name__ == "__main__":
    main()
