"""The adversary: a focal point who combines every filter selection and every table they can see to
work out a figure about fewer than K officials (app/services/evaluation/release.py, threat model).

The world: one country, two organisations x two role profiles, a baseline and its follow-up; in
each of the four (organisation, role) cells some officials took both cycles, some only the baseline
and some only the follow-up, in numbers Hypothesis draws (0-7, so groups of 1-4 are common). Every
figure is collected with what it is about (the cells it covers, and which of the three kinds of
official), then every pair of figures where one covers a part of the other is subtracted: the
route to the officials in the difference. Where that difference is 1 to K-1 officials, the route
must not give their figure exactly:

- a sum of levels (mean x count) worked out by the route differs from the true sum of the hidden
  group (every sum carries noise of its own);
- a count worked out by the route is not certain: knowing the method (the noise distribution, not
  the key), more than one true count fits what was shown;
- the same figure reached by two routes (two filters, two tables) is the same: noise that changed
  per request or per table could be averaged away;
- and nothing under K is shown.

On the exact figures (no noise: the method before this release layer), every one of these routes
gives the hidden figure exactly: the last test shows the suite catches that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.services import evaluation
from app.services.evaluation import Filters, Suppressed
from app.services.evaluation.release import Release
from tests.factories import (
    CampaignFactory,
    CountryFactory,
    OrganisationFactory,
    RoleProfileFactory,
    UserFactory,
    make_framework,
    make_instrument,
)
from tests.unit.analytics_fixture import submit

K = 5
RELEASE = Release(K, noise=2, secret=b"the viewer does not know this key")
EXACT = Release(1)  # every figure exact and shown: what the adversary is after
KINDS = ("both", "baseline_only", "follow_up_only")
PAIRING = {"both": "paired", "baseline_only": "baseline_only", "follow_up_only": "follow_up_only"}
BASELINE_AT = datetime(2025, 3, 1, tzinfo=UTC)
FOLLOW_UP_AT = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Figure:
    """A shown figure: ``cells`` the (organisation, role, kind) cells of officials it is about,
    ``measure`` what it counts or averages, ``value`` as shown, ``exact`` the true value and ``n`` the
    true number of officials behind it."""

    cells: frozenset[tuple[int, int, str]]
    measure: str
    value: object
    exact: float
    n: int
    route: str


def _cells(orgs, roles, kinds) -> frozenset[tuple[int, int, str]]:
    return frozenset(product(orgs, roles, kinds))


def build(sizes: dict[tuple[int, int, str], int]):
    """The world for ``sizes``: officials per (organisation index, role index, kind)."""
    country = CountryFactory()
    orgs = [OrganisationFactory(country=country, name=f"Organisation {i}") for i in range(2)]
    framework = make_framework(competencies=2)
    c1, c2 = framework.competencies
    roles = [RoleProfileFactory(framework=framework, targets={c1: 3, c2: 2}) for _ in range(2)]
    instrument = make_instrument(framework)
    baseline = CampaignFactory(country=country, instrument=instrument, cycle_label="baseline",
                               opens_at=BASELINE_AT, closes_at=BASELINE_AT + timedelta(days=30))
    follow_up = CampaignFactory(country=country, instrument=instrument, cycle_label="follow-up 1",
                                baseline=baseline, opens_at=FOLLOW_UP_AT,
                                closes_at=FOLLOW_UP_AT + timedelta(days=30))
    number = 0
    for (o, r, kind), size in sizes.items():
        for _ in range(size):
            number += 1
            official = UserFactory(organisation=orgs[o])
            before = ((number * 7) % 4, 1), ((number * 3) % 3, 1)
            after = (min(4, before[0][0] + number % 3), 2), (before[1][0], 1)
            if kind != "follow_up_only":
                submit(baseline, official, orgs[o], roles[r], (c1, c2), before,
                       BASELINE_AT + timedelta(hours=number))
            if kind != "baseline_only":
                submit(follow_up, official, orgs[o], roles[r], (c1, c2), after,
                       FOLLOW_UP_AT + timedelta(hours=number))
    db.session.flush()
    return country, orgs, roles, baseline, follow_up, (c1, c2)


def selections(orgs, roles):
    """Every filter selection of organisation and role profile, with the cells it covers."""
    for o in (None, 0, 1):
        for r in (None, 0, 1):
            filters = Filters(organisation_id=None if o is None else orgs[o].id,
                              role_profile_id=None if r is None else roles[r].id)
            yield filters, ([0, 1] if o is None else [o]), ([0, 1] if r is None else [r]), f"o={o} r={r}"


def collect(world, release: Release) -> list[Figure]:
    """Every count and mean of the participation, pairing and change tables, under every selection,
    with the exact value beside it."""
    country, orgs, roles, baseline, _follow_up, _competencies = world
    scope = frozenset({country.id})
    out: list[Figure] = []
    for filters, os_, rs, name in selections(orgs, roles):
        def both(function, filters=filters, **kw):
            return (function(db.session, scope, filters, release, **kw).rows,
                    function(db.session, scope, filters, EXACT, **kw).rows)

        shown, exact = both(evaluation.participation_funnel)
        for row, true in zip(shown, exact, strict=True):
            if row.is_total:
                kinds = ("both", "baseline_only") if row.campaign_id == baseline.id else \
                    ("both", "follow_up_only")
                out.append(Figure(_cells(os_, rs, kinds), "officials", row.submitted, true.submitted,
                                  true.submitted, f"participation submitted {row.campaign_id} {name}"))
        for by in _groupings(filters):
            shown, exact = both(evaluation.pairing, by=by)
            for row, true in zip(shown, exact, strict=True):
                group_os, group_rs = _group(row, by, orgs, roles, os_, rs)
                for kind, column in PAIRING.items():
                    out.append(Figure(_cells(group_os, group_rs, (kind,)), "officials", getattr(row, column),
                                      getattr(true, column), getattr(true, column),
                                      f"pairing by {by} {row.group} {column} {name}"))
        out.extend(_change_figures(both, _groupings(filters), orgs, roles, os_, rs, name))
    return out


def _groupings(filters: Filters) -> list[str | None]:
    """The tables by group worth asking for under ``filters``: by organisation when no organisation
    is picked, by role profile when no role profile is (a table by a picked group has one row)."""
    return [None, *(["organisation"] if filters.organisation_id is None else []),
            *(["role_profile"] if filters.role_profile_id is None else [])]


def _group(row, by, orgs, roles, os_, rs):
    if by == "organisation" and not row.is_total:
        return [o for o in os_ if orgs[o].id == row.group_id], rs
    if by == "role_profile" and not row.is_total:
        return os_, [r for r in rs if roles[r].id == row.group_id]
    return os_, rs


def _change_figures(both, groupings, orgs, roles, os_, rs, name):
    out = []
    tables = {None: evaluation.change_by_competency, "organisation": evaluation.change_by_organisation,
              "role_profile": evaluation.change_by_role_profile}
    for by in groupings:
        function = tables[by]
        shown, exact = both(function)
        for row, true in zip(shown, exact, strict=True):
            group_os, group_rs = (os_, rs) if by is None else _group(row, by, orgs, roles, os_, rs)
            cells = _cells(group_os, group_rs, ("both",))
            what = f"competency {row.group_id}" if by is None else "mean"
            out.append(Figure(cells, "officials", row.pairs, true.pairs, true.pairs,
                              f"change by {by} {row.group} pairs {name}"))
            for side in ("mean_before", "mean_after"):
                value = getattr(row, side)
                shown_number = isinstance(value, float) and isinstance(row.pairs, int)
                total = value * row.pairs if shown_number else value
                out.append(Figure(cells, f"sum {side} {what}", total, getattr(true, side) * true.pairs,
                                  true.pairs, f"change by {by} {row.group} {side} {name}"))
    return out


def routes(figures: list[Figure]):
    """Pairs (whole, part) of shown figures of the same measure, the part's cells inside the whole's,
    whose difference is about 1 to K-1 officials."""
    numbers = [f for f in figures if isinstance(f.value, int | float) and not isinstance(f.value, bool)]
    for whole in numbers:
        for part in numbers:
            if part.measure != whole.measure or not part.cells < whole.cells:
                continue
            if 0 < whole.n - part.n < K:
                yield whole, part


def feasible_counts(release: Release, whole: int, part: int) -> set[int]:
    """The hidden counts t (1..K-1) that fit a shown whole and part, to one who knows the method:
    some true whole n and part n - t whose moves have a chance."""
    fits = set()
    for t in range(1, K):
        for n in range(max(K, whole - 40), whole + 41):
            if release.count_noise_pmf(whole - n) > 0 and release.count_noise_pmf(part - (n - t)) > 0:
                fits.add(t)
                break
    return fits


def attack(release: Release, figures: list[Figure]) -> list[str]:
    """What the adversary recovers exactly: one line per route that gives a hidden figure away."""
    found = []
    for whole, part in routes(figures):
        if whole.measure == "officials":
            if len(feasible_counts(release, int(whole.value), int(part.value))) <= 1:
                found.append(f"count {whole.route} - {part.route}")
        elif whole.value - part.value == pytest.approx(whole.exact - part.exact, abs=1e-9):
            found.append(f"sum {whole.route} - {part.route}")
    return found


SIZES = st.fixed_dictionaries({cell: st.integers(0, 7) for cell in product((0, 1), (0, 1), KINDS)})


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sizes=SIZES)
def test_no_route_across_filters_and_tables_recovers_a_small_group(sizes):
    savepoint = db.session.begin_nested()
    try:
        world = build(sizes)
        figures = collect(world, RELEASE)
        assert attack(RELEASE, figures) == []
        for figure in figures:  # nothing under K is shown
            if 0 < figure.n < K:
                assert isinstance(figure.value, Suppressed), figure.route
        same: dict[tuple, object] = {}
        for figure in figures:  # the same figure, however it was reached, is the same
            if isinstance(figure.value, int | float):
                first = same.setdefault((figure.cells, figure.measure, figure.exact), figure.value)
                if figure.measure == "officials":
                    assert first == figure.value, figure.route
    finally:
        savepoint.rollback()


def test_the_suite_catches_exact_figures():
    """The same routes on exact figures with only the threshold (the method before the release layer):
    across filters (an organisation minus its role profiles) and across tables (submitted in the
    follow-up minus paired) the hidden groups come out exactly."""
    sizes = dict.fromkeys(product((0, 1), (0, 1), KINDS), 0)
    sizes.update({(0, 0, "both"): 7, (0, 1, "both"): 3, (1, 0, "both"): 6, (0, 0, "follow_up_only"): 2,
                  (1, 1, "both"): 6})
    world = build(sizes)
    threshold_only = Release(K)
    found = attack(threshold_only, collect(world, threshold_only))
    assert any(line.startswith("sum") and "o=0 r=None" in line and "o=0 r=0" in line for line in found)
    assert any(line.startswith("count participation submitted") and " paired " in line for line in found)
    assert attack(RELEASE, collect(world, RELEASE)) == []
