"""Matching a campaign at scale: sparse shortlists (app/services/shortlists.py) against a bare numpy scoring
of the same shapes, in the same run, and the peak memory of the whole match.

    .venv/bin/python bench/plans_build.py [--officials 20000] [--resources 1000] [--top-k 8] [--chunk 2000]
                                          [--sample 200] [--write] [--seed 7]

Writes a synthetic campaign (officials with results on 21 competencies and context answers, a catalogue with
levels, languages, formats, prerequisites and three paths) into a throwaway SQLite file, or into
DATABASE_URL when it is set (use a database of your own: every table is emptied first). Then, in a
fresh child process (so that its peak resident memory, ru_maxrss, is the match's own):

- loads the campaign (profiles and catalogue, a fixed number of queries);
- for each chunk of officials, alternating which goes first: the sparse scoring with top-k shortlists
  (``Scorer.shortlists``), and the bare numpy scoring of the same shapes (a dense officials ×
  competency-levels matrix times a dense competency-levels × resources one, then ``argpartition`` for
  the top k of each row); then the rules on each shortlist (``shortlists.plans``, the rules of
  app/services/learning/greedy.py; officials whose shortlist was too short are scored again against
  longer ones, and that counts as rules);
- checks on ``--sample`` officials that their plans are those against the whole catalogue;
- with ``--write``, also times the whole background job (``plans.build_campaign_plans``: load, match,
  write every plan) in a second child.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

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
    Organisation,
    PathStep,
    PathVersion,
    PathVersionRole,
    Resource,
    ResourceCompetency,
    RoleProfile,
    User,
)
from app.models.base import utcnow  # noqa: E402
from app.services.learning import plans, shortlists  # noqa: E402
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

    # The officials: a submitted attempt each, with results for every competency and context answers,
    # written a block at a time so that the generator's memory stays small.
    first_user = 1000
    for block in range(0, officials, 5000):
        numbers = range(block, min(block + 5000, officials))
        _officials(session, rng, numbers, first_user, country, organisation, instrument, campaign, roles,
                   competencies, context, now)
    session.commit()
    return campaign.id


def _officials(session, rng, numbers, first_user, country, organisation, instrument, campaign, roles,
               competencies, context, now) -> None:
    session.execute(insert(User), [
        {"id": first_user + n, "email": f"official{n}@bench.example.org", "name": f"Official {n}",
         "role": "official", "country_id": country.id, "organisation_id": organisation.id} for n in numbers])
    session.execute(insert(Attempt), [
        {"id": first_user + n, "campaign_id": campaign.id, "user_id": first_user + n,
         "instrument_id": instrument.id, "country_id": country.id, "organisation_id": organisation.id,
         "role_profile_id": rng.choice(roles).id, "status": AttemptStatus.SUBMITTED, "submitted_at": now}
        for n in numbers])
    results, answers = [], []
    for n in numbers:
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


def bare_numpy(gaps_dense: np.ndarray, coverage_dense: np.ndarray, k: int) -> np.ndarray:
    """The bare scoring of the same shapes: every official × every resource, then each row's top k."""
    scores = gaps_dense @ coverage_dense
    if scores.shape[1] <= k:
        return scores
    return np.argpartition(-scores, k, axis=1)[:, :k]


def measure_match(uri: str, campaign_id: int, top_k: int, chunk: int, sample: int) -> dict:
    """In this process: load, score both ways chunk by chunk (alternating), apply the rules, check."""
    app = _app(uri)
    with app.app_context():
        started = time.perf_counter()
        data = plans.load_campaign(db.session, campaign_id)
        figures = {"load": time.perf_counter() - started, "sparse": 0.0, "numpy": 0.0, "rules": 0.0,
                   "sparse_cpu": 0.0, "numpy_cpu": 0.0, "rules_cpu": 0.0,
                   "officials": len(data.profiles), "items": 0}
        coverage = data.scorer.coverage.toarray()
        user_ids = sorted(data.profiles)
        for number, start in enumerate(range(0, len(user_ids), chunk)):
            profiles = [data.profiles[u] for u in user_ids[start:start + chunk]]
            people = [(p.official, p.gaps) for p in profiles]
            dense = data.scorer._gaps(people).toarray()
            for which in (("sparse", "numpy") if number % 2 == 0 else ("numpy", "sparse")):
                began, cpu = time.perf_counter(), time.process_time()
                if which == "sparse":
                    found = data.scorer.shortlists(people, top_k)
                else:
                    bare_numpy(dense, coverage, top_k)
                figures[which] += time.perf_counter() - began
                figures[f"{which}_cpu"] += time.process_time() - cpu
            began, cpu = time.perf_counter(), time.process_time()
            paths = [data.catalogue.paths_for(data.enrolled.get(p.user_id, ())) for p in profiles]
            figures["items"] += sum(map(len, shortlists.plans(data.scorer, people, paths, top_k, found)))
            figures["rules"] += time.perf_counter() - began
            figures["rules_cpu"] += time.process_time() - cpu
        checked = user_ids[:: max(1, len(user_ids) // sample)][:sample]
        short = plans.match_officials(data, checked, top_k=top_k)
        whole = plans.match_officials(data, checked, top_k=0)
        figures["identical"] = all([(r.kind, r.ref, r.reason) for r in short[u]]
                                   == [(r.kind, r.ref, r.reason) for r in whole[u]] for u in checked)
        figures["checked"] = len(checked)
        db.session.remove()
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def measure_job(uri: str, campaign_id: int) -> dict:
    """In this process: the whole background job, load, match and write every plan."""
    app = _app(uri)
    with app.app_context():
        started = time.perf_counter()
        report = plans.build_campaign_plans(db.session, campaign_id)
        figures = {"job": time.perf_counter() - started, "summary": report.summary()}
        db.session.remove()
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def _app(uri: str):
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = uri
    return create_app(config)


def _child(*args: str) -> dict:
    command = [sys.executable, __file__, "--child", *args]  # this script, with its own arguments
    out = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    return json.loads(out.stdout.strip().splitlines()[-1])


def _empty(uri: str) -> None:
    """Empty every table of a database given in DATABASE_URL (a benchmark's own) and bring it up to date."""
    app = _app(uri)
    with app.app_context():
        upgrade()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officials", type=int, default=20000)
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--top-k", type=int, default=shortlists.DEFAULT_K)
    parser.add_argument("--chunk", type=int, default=2000, help="officials scored at a time")
    parser.add_argument("--sample", type=int, default=200,
                        help="officials checked against the whole catalogue")
    parser.add_argument("--write", action="store_true", help="also time the whole job, writing every plan")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, uri, *rest = args.child
        numbers = [int(v) for v in rest]
        print(json.dumps(measure_match(uri, *numbers) if what == "match" else measure_job(uri, *numbers)))
        return

    with tempfile.TemporaryDirectory() as folder:
        uri = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        if os.environ.get("DATABASE_URL"):
            _empty(uri)
        app = _app(uri)
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            campaign_id = populate(db.session, args.officials, args.resources, args.seed)
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            db.session.remove()
            db.engine.dispose()
        print(f"{args.officials} officials x {COMPETENCIES} competencies, {args.resources} resources on "
              f"{uri.split(':')[0]}: written in {time.perf_counter() - started:.1f} s", flush=True)
        match = _child("match", uri, str(campaign_id), str(args.top_k), str(args.chunk), str(args.sample))
        job = _child("job", uri, str(campaign_id)) if args.write else None
    _print(args, match, job)


def _print(args, match: dict, job: dict | None) -> None:
    if not match["identical"]:
        sys.exit("shortlisted plans differ from those against the whole catalogue: the figures mean nothing")
    print(f"loading the campaign: {match['load']:.1f} s; {match['items']} items in {match['officials']} "
          f"plans; {match['checked']} officials checked: identical to the whole catalogue")
    print(f"scoring, top {args.top_k} per official: sparse {match['sparse']:.2f} s, bare numpy "
          f"{match['numpy']:.2f} s: {match['sparse'] / match['numpy']:.2f}x")
    both = match["sparse"] + match["rules"]
    print(f"rules on the shortlists: {match['rules']:.2f} s; scoring + rules {both:.2f} s: "
          f"{both / match['numpy']:.2f}x the bare numpy scoring")
    print(f"CPU time (this machine is shared): sparse {match['sparse_cpu']:.2f} s, bare numpy "
          f"{match['numpy_cpu']:.2f} s ({match['sparse_cpu'] / match['numpy_cpu']:.2f}x), rules "
          f"{match['rules_cpu']:.2f} s (scoring + rules "
          f"{(match['sparse_cpu'] + match['rules_cpu']) / match['numpy_cpu']:.2f}x)")
    print(f"peak resident memory of the match (load, score, rules): {match['peak_mb']:.0f} MB")
    if job:
        print(f"the whole job (load, match, write): {job['job']:.1f} s, peak {job['peak_mb']:.0f} MB; "
              f"{job['summary']}")


if __name__ == "__main__":
    main()
