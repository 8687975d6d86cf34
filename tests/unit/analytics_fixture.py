"""A country with known baseline and follow-up results, for the analytics tests.

Country A, organisations O1 (u1-u6) and O2 (u7-u10), one role profile (targets: c1 3, c2 2), two
competencies, each with two knowledge checks (so a result's knowledge score is correct / 2).
The baseline campaign B and its follow-up F (F.baseline = B). (level, knowledge right) per cycle:

        baseline           follow-up
        c1      c2         c1      c2
  u1    (1,0)   (2,1)      (3,2)   (2,1)
  u2    (2,1)   (1,1)      (3,2)   (1,1)
  u3    (1,0)   (2,1)      (2,1)   (2,1)
  u4    (0,0)   (0,1)      (2,1)   (0,1)
  u5    (2,1)   (1,1)      (2,1)   (1,1)
  u6    (2,1)   (2,1)      started, not submitted        -> baseline only
  u7    (1,1)   (2,1)      (2,1)   (2,1)
  u8    (3,2)   (1,1)      (3,2)   (1,1)
  u9    (0,0)   (0,1)      (1,0)   (0,1)
  u10   invited, no attempt (1,0)   (0,1)                -> follow-up only

Everyone is invited to both campaigns. O2 has 4 officials: the small group every suppression test
looks at (k = 5).

``build_world(not_assessed=True)``: the same world but for five results that are **not assessed**
(too little evidence: no level, no gap; their knowledge checks are kept, and must not count either):
u4's follow-up c1, u6's baseline c2, u9's baseline c1 and c2 (so u9 has nothing assessed in both
cycles, and nothing at all at baseline), and u10's follow-up c1 and c2 (nothing assessed at all).
The figures it gives are worked out by hand in tests/unit/test_analytics_not_assessed.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import Attempt, AttemptStatus, Campaign, Invitation
from tests.factories import (
    CampaignFactory,
    CompetencyResultFactory,
    CountryFactory,
    OrganisationFactory,
    RoleProfileFactory,
    UserFactory,
    make_framework,
    make_instrument,
)

BASELINE_AT = datetime(2025, 3, 1, tzinfo=UTC)
FOLLOW_UP_AT = datetime(2026, 3, 1, tzinfo=UTC)
TARGETS = (3, 2)

BASELINE = {1: ((1, 0), (2, 1)), 2: ((2, 1), (1, 1)), 3: ((1, 0), (2, 1)), 4: ((0, 0), (0, 1)),
            5: ((2, 1), (1, 1)), 6: ((2, 1), (2, 1)), 7: ((1, 1), (2, 1)), 8: ((3, 2), (1, 1)),
            9: ((0, 0), (0, 1))}
FOLLOW_UP = {1: ((3, 2), (2, 1)), 2: ((3, 2), (1, 1)), 3: ((2, 1), (2, 1)), 4: ((2, 1), (0, 1)),
             5: ((2, 1), (1, 1)), 7: ((2, 1), (2, 1)), 8: ((3, 2), (1, 1)), 9: ((1, 0), (0, 1)),
             10: ((1, 0), (0, 1))}
NOT_ASSESSED = {"baseline": {(6, 1), (9, 0), (9, 1)},  # (official, index of the competency: 0 c1, 1 c2)
                "follow_up": {(4, 0), (10, 0), (10, 1)}}


@dataclass
class World:
    country: object
    o1: object
    o2: object
    c1: object
    c2: object
    role: object
    baseline: Campaign
    follow_up: Campaign
    officials: dict[int, object] = field(default_factory=dict)

    @property
    def scope(self) -> frozenset[int]:
        return frozenset({self.country.id})


def submit(campaign, user, organisation, role, competencies, results, when, *, targets=TARGETS):
    """A submitted attempt with results: results[i] = (calibrated level, knowledge right of 2); a
    level None is a result not assessed."""
    attempt = Attempt(campaign=campaign, user=user, instrument=campaign.instrument,
                      country_id=organisation.country_id, organisation=organisation, role_profile=role,
                      status=AttemptStatus.SUBMITTED, started_at=when, submitted_at=when)
    db.session.add(attempt)
    for competency, (level, right), target in zip(competencies, results, targets, strict=True):
        attempt.results.append(CompetencyResultFactory.build(
            competency=competency, calibrated_level=level, knowledge_correct=right, knowledge_total=2,
            target_level=target, not_assessed=level is None))
    return attempt


def _results(table, cycle: str, n: int, not_assessed: bool):
    if not not_assessed:
        return table[n]
    return tuple((None, right) if (n, i) in NOT_ASSESSED[cycle] else (level, right)
                 for i, (level, right) in enumerate(table[n]))


def build_world(*, country=None, prefix: str = "", not_assessed: bool = False) -> World:
    country = country or CountryFactory()
    o1 = OrganisationFactory(country=country, name=f"{prefix}Ministry of Finance")
    o2 = OrganisationFactory(country=country, name=f"{prefix}Revenue Agency")
    framework = make_framework(competencies=2)
    c1, c2 = framework.competencies
    role = RoleProfileFactory(framework=framework, targets={c1: 3, c2: 2})
    instrument = make_instrument(framework)
    baseline = CampaignFactory(country=country, instrument=instrument, name=f"{prefix}Baseline 2025",
                               cycle_label="baseline", opens_at=BASELINE_AT,
                               closes_at=BASELINE_AT + timedelta(days=30))
    follow_up = CampaignFactory(country=country, instrument=instrument, name=f"{prefix}Follow-up 2026",
                                cycle_label="follow-up 1", baseline=baseline, opens_at=FOLLOW_UP_AT,
                                closes_at=FOLLOW_UP_AT + timedelta(days=30))
    world = World(country, o1, o2, c1, c2, role, baseline, follow_up)
    for n in range(1, 11):
        organisation = o1 if n <= 6 else o2
        world.officials[n] = UserFactory(organisation=organisation, name=f"{prefix}Official {n}",
                                         email=f"{prefix.lower()}official{n}@example.org")
    for campaign, cycle, table, when in ((baseline, "baseline", BASELINE, BASELINE_AT),
                                         (follow_up, "follow_up", FOLLOW_UP, FOLLOW_UP_AT)):
        for n, official in world.officials.items():
            organisation = o1 if n <= 6 else o2
            db.session.add(Invitation(campaign=campaign, user=official, organisation=organisation,
                                      role_profile=role))
            if n in table:
                submit(campaign, official, organisation, role, (c1, c2),
                       _results(table, cycle, n, not_assessed), when + timedelta(hours=n))
    db.session.add(Attempt(campaign=follow_up, user=world.officials[6], instrument=follow_up.instrument,
                           country_id=country.id, organisation=o1, role_profile=role,
                           status=AttemptStatus.IN_PROGRESS))
    db.session.flush()
    return world
