"""Time building every learning plan of a campaign of 2,000 synthetic officials, with the pandas prefilter
against the baseline of matching each official against the whole catalogue.

    .venv/bin/python bench/plans_build.py [--officials 2000] [--resources 100] [--seed 7] [--repeat 3]

Uses a throwaway SQLite file, deleted at the end. Both runs load the same data in the same queries and
write the same plans; they differ only in the candidates handed to matching.build_plan. The script
checks that both give the same recommendations before printing the figures (the best of --repeat runs).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import delete, insert  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Answer,
    Area,
    Attempt,
    AttemptStatus,
    Campaign,
    Competency,
    CompetencyResult,
    Country,
    CoursePath,
    Framework,
    Instrument,
    InstrumentKind,
    InstrumentSection,
    Item,
    ItemKind,
    LearningPlan,
    Organisation,
    PathStep,
    PathVersion,
    PathVersionRole,
    PlanItem,
    Resource,
    ResourceCompetency,
    RoleProfile,
    User,
)
from app.models.base import utcnow  # noqa: E402
from app.services import plans  # noqa: E402
from config import Config  # noqa: E402

COMPETENCIES = 21  # as many as the bundled framework
LANGUAGE_CHOICES = (["en"], ["fr"], ["en", "fr"], ["ar"], ["es"], ["pt", "en"])
FORMATS = ("course", "video", "guide", "toolkit", "community", "book")


def populate(session, officials: int, resources: int, seed: int) -> int:
    """Write a campaign with ``officials`` submitted attempts and a catalogue; return the campaign id."""
    rng = random.Random(seed)
    now = utcnow()
    country = Country(code="XB", name="Benchland", time_zone="Africa/Nairobi")
    organisation = Organisation(country=country, name="Ministry of Benchmarks")
    framework = Framework(code="bench", name="Bench framework", version="1")
    area = Area(framework=framework, code="A", name="Area")
    competencies = [Competency(framework=framework, area=area, code=f"C.{n}", name=f"Competency {n}",
                               position=n) for n in range(COMPETENCIES)]
    roles = [RoleProfile(code=f"role-{n}", name=f"Role {n}", framework=framework) for n in range(5)]
    instrument = Instrument(code="bench", version=1, name="Bench", kind=InstrumentKind.INDIVIDUAL,
                            framework=framework, content_hash="0" * 64)
    section = InstrumentSection(code="context", title="About you", position=0)
    instrument.sections.append(section)
    context = {code: Item(section=section, code=code, kind=ItemKind.CONTEXT, prompt=code, position=n)
               for n, code in enumerate((plans.LANGUAGES_ITEM, plans.FORMATS_ITEM, plans.HOURS_ITEM))}
    instrument.items.extend(context.values())
    campaign = Campaign(country=country, instrument=instrument, name="Bench", cycle_label="baseline",
                        opens_at=now, closes_at=now)
    session.add_all([campaign, organisation, *competencies, *roles])
    session.flush()

    # The catalogue: resources teaching one or two competencies over one or two levels.
    resource_rows, teaches_rows = [], []
    for n in range(resources):
        resource_rows.append({
            "id": n + 1, "code": f"res-{n:04d}", "title": f"Resource {n}", "provider": "Bench provider",
            "url": f"https://bench.example.org/{n}", "normalised_url": f"bench.example.org/{n}",
            "licence": "CC-BY-4.0", "languages": rng.choice(LANGUAGE_CHOICES), "format": rng.choice(FORMATS),
            "hours": float(rng.choice((1, 2, 3, 5, 8, 12, 20))), "reviewed_on": now.date(),
            "reviewed_by": "bench", "status": "published",
            "prerequisites": [f"res-{rng.randrange(n):04d}"] if n and rng.random() < 0.15 else []})
        for competency in rng.sample(competencies, rng.choice((1, 1, 2))):
            start = rng.randint(0, 3)
            teaches_rows.append({"resource_id": n + 1, "competency_id": competency.id, "level_from": start,
                                 "level_to": min(4, start + rng.choice((1, 1, 2)))})
    session.execute(insert(Resource), resource_rows)
    session.execute(insert(ResourceCompetency), teaches_rows)
    for n, role in enumerate(roles[:3]):  # three published paths, one per role
        version = PathVersion(path=CoursePath(code=f"path-{n}"), version=1, status="published",
                              title=f"Path {n}", published_at=now)
        session.add(version)
        session.flush()
        session.execute(insert(PathVersionRole), [{"path_version_id": version.id,
                                                   "role_profile_id": role.id}])
        session.execute(insert(PathStep), [
            {"path_version_id": version.id, "position": p, "resource_id": rng.randint(1, resources)}
            for p in range(4)])

    # The officials: a submitted attempt each, with results for every competency and context answers.
    first_user = 1000
    session.execute(insert(User), [
        {"id": first_user + n, "email": f"official{n}@bench.example.org", "name": f"Official {n}",
         "role": "official", "country_id": country.id, "organisation_id": organisation.id}
        for n in range(officials)])
    session.execute(insert(Attempt), [
        {"id": first_user + n, "campaign_id": campaign.id, "user_id": first_user + n,
         "instrument_id": instrument.id, "country_id": country.id, "organisation_id": organisation.id,
         "role_profile_id": rng.choice(roles).id, "status": AttemptStatus.SUBMITTED, "submitted_at": now}
        for n in range(officials)])
    results, answers = [], []
    for n in range(officials):
        attempt_id = first_user + n
        for competency in competencies:
            current = rng.randint(0, 3)
            target = rng.choice((current, current, rng.randint(current, 4)))
            results.append({"attempt_id": attempt_id, "competency_id": competency.id,
                            "calibrated_level": current, "target_level": target,
                            "gap": max(0, target - current)})
        answers.append({"attempt_id": attempt_id, "item_id": context[plans.LANGUAGES_ITEM].id,
                        "value": rng.choice(LANGUAGE_CHOICES)})
        answers.append({"attempt_id": attempt_id, "item_id": context[plans.FORMATS_ITEM].id,
                        "value": rng.sample(FORMATS, 2)})
        answers.append({"attempt_id": attempt_id, "item_id": context[plans.HOURS_ITEM].id,
                        "value": rng.choice(list(plans.HOURS_PER_WEEK))})
    session.execute(insert(CompetencyResult), results)
    session.execute(insert(Answer), answers)
    session.commit()
    return campaign.id


def forget_plans(session) -> None:
    session.execute(delete(PlanItem))
    session.execute(delete(LearningPlan))
    session.commit()
    session.expunge_all()


def timed(function, repeat: int = 1, before=None):
    """The best time of ``repeat`` runs (the machine may be busy), and the last run's value."""
    best, value = float("inf"), None
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - started)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officials", type=int, default=2000)
    parser.add_argument("--resources", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing; the best counts")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        config = Config()
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        app = create_app(config)
        with app.app_context():
            upgrade()
            setup, campaign_id = timed(lambda: populate(db.session, args.officials, args.resources,
                                                        args.seed))
            print(f"{args.officials} officials x {COMPETENCIES} competencies, {args.resources} resources: "
                  f"written in {setup:.1f} s")

            # Matching alone, on data loaded once: where the prefilter does its work.
            load, data = timed(lambda: plans.load_campaign(db.session, campaign_id))
            fast_match, fast = timed(lambda: plans.match_campaign(data, prefilter=True), args.repeat)
            slow_match, slow = timed(lambda: plans.match_campaign(data, prefilter=False), args.repeat)
            same = {u: [(r.kind, r.ref) for r in recs] for u, recs in fast.items()} == {
                u: [(r.kind, r.ref) for r in recs] for u, recs in slow.items()}
            if not same:
                sys.exit("the prefilter changed some plans: the figures would mean nothing")
            items = sum(len(recs) for recs in fast.values())
            db.session.expunge_all()

            # The whole batch: load, match, write every plan in chunks.
            def again():
                forget_plans(db.session)

            fast_batch, report = timed(lambda: plans.build_campaign_plans(db.session, campaign_id),
                                       args.repeat, again)
            slow_batch, _report = timed(lambda: plans.build_campaign_plans(db.session, campaign_id,
                                                                           prefilter=False),
                                        args.repeat, again)
            db.session.remove()

    print(f"loading the campaign (results, answers, catalogue): {load:.2f} s; {items} items in "
          f"{len(fast)} plans, identical with and without the prefilter")
    print(f"{'':36}{'prefilter':>12}{'baseline':>12}{'ratio':>8}")
    print(f"{'matching only':36}{fast_match:>11.2f}s{slow_match:>11.2f}s{slow_match / fast_match:>7.1f}x")
    print(f"{'whole batch (load, match, write)':36}{fast_batch:>11.2f}s{slow_batch:>11.2f}s"
          f"{slow_batch / fast_batch:>7.1f}x")
    print(f"batch: {report.summary()}")


if __name__ == "__main__":
    main()
