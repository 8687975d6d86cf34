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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import Attempt, AttemptStatus, Campaign, CompetencyResult, Invitation
from tests.factories import (
    CampaignFactory,
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
    """A submitted attempt with results: results[i] = (calibrated level, knowledge right of 2)."""
    attempt = Attempt(campaign=campaign, user=user, instrument=campaign.instrument,
                      country_id=organisation.country_id, organisation=organisation, role_profile=role,
                      status=AttemptStatus.SUBMITTED, started_at=when, submitted_at=when)
    db.session.add(attempt)
    for competency, (level, right), target in zip(competencies, results, targets, strict=True):
        attempt.results.append(CompetencyResult(
            competency=competency, calibrated_level=level, self_level=level, knowledge_correct=right,
            knowledge_total=2, target_level=target, gap=max(0, target - level)))
    return attempt


def build_world(*, country=None, prefix: str = "") -> World:
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
    for campaign, table, when in ((baseline, BASELINE, BASELINE_AT), (follow_up, FOLLOW_UP, FOLLOW_UP_AT)):
        for n, official in world.officials.items():
            organisation = o1 if n <= 6 else o2
            db.session.add(Invitation(campaign=campaign, user=official, organisation=organisation,
                                      role_profile=role))
            if n in table:
                submit(campaign, official, organisation, role, (c1, c2), table[n],
                       when + timedelta(hours=n))
    db.session.add(Attempt(campaign=follow_up, user=world.officials[6], instrument=follow_up.instrument,
                           country_id=country.id, organisation=o1, role_profile=role,
                           status=AttemptStatus.IN_PROGRESS))
    db.session.flush()
    return world
