"""Learning activity, feedback, follow-ups, maturity and indicators on top of analytics_fixture's world.

O1 (u1-u6): every one accepted a plan item; u1-u5 enrolled in path P, u1-u3 completed it; u1-u6
completed resource R (4 hours). Ratings of R by u1-u6: 2,2,3,2,3,2 (relevance 4, u1 and u2 would
recommend it); of P by u1-u5: 5,4,5,4,5 (relevance 5, all recommend). Follow-ups answered by u1-u6:
applied yes, yes, yes, partly, partly, no; frequency weekly x3, monthly x2, none; barriers time
(u1-u5), access (u1), manager (u6); u1's second follow-up is not answered yet.
O2 (u7-u10): u7, u8 accepted a plan item; u7-u10 enrolled in P, none completed; u7 completed R;
u7-u9 rated resource S 1; u7, u8 answered a follow-up (yes).
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.extensions import db
from app.models import (
    Enrolment,
    Feedback,
    FollowUp,
    Indicator,
    IndicatorValue,
    LearningPlan,
    OrganisationAssessment,
    PlanItem,
    Progress,
)
from tests.factories import ResourceFactory, make_path

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def add_learning(world):
    u = world.officials
    r = ResourceFactory(hours=4.0, teaches={world.c1: (1, 3)})
    s = ResourceFactory(hours=2.0, teaches={world.c2: (0, 2)})
    path = make_path([r, s])
    other_path = make_path([s], code=f"path-two-{s.code}")
    for n, official in u.items():
        plan = LearningPlan(user_id=official.id, country_id=world.country.id)
        plan.items.append(PlanItem(kind="resource", resource_id=r.id, rank=1, position=1, reason="gap",
                                   status="accepted" if n <= 8 else "suggested"))
        plan.items.append(PlanItem(kind="resource", resource_id=s.id, rank=2, position=2, reason="gap",
                                   status="accepted" if n in (1, 7) else "dismissed"))
        db.session.add(plan)
        if n != 6:
            db.session.add(Enrolment(user_id=official.id, path_version_id=path.id,
                                     completed_at=NOW if n <= 3 else None))
        if n <= 7:
            db.session.add(Progress(user_id=official.id, resource_id=r.id, status="completed",
                                    completed_on=NOW.date()))
    db.session.add(Progress(user_id=u[8].id, resource_id=s.id, status="started"))
    for n, rating in zip(range(1, 7), (2, 2, 3, 2, 3, 2), strict=True):
        db.session.add(Feedback(user_id=u[n].id, resource_id=r.id, rating=rating, relevance=4,
                                would_recommend=n <= 2))
    for n, rating in zip(range(1, 6), (5, 4, 5, 4, 5), strict=True):
        db.session.add(Feedback(user_id=u[n].id, path_version_id=path.id, rating=rating, relevance=5,
                                would_recommend=True))
    for n in (7, 8, 9):
        db.session.add(Feedback(user_id=u[n].id, resource_id=s.id, rating=1, relevance=1,
                                would_recommend=False))
    answers = {1: ("yes", "weekly", ["time", "access"]), 2: ("yes", "weekly", ["time"]),
               3: ("yes", "weekly", ["time"]), 4: ("partly", "monthly", ["time"]),
               5: ("partly", "monthly", ["time"]), 6: ("no", None, ["manager"]),
               7: ("yes", "daily", []), 8: ("yes", "daily", [])}
    for n, (applied, frequency, barriers) in answers.items():
        db.session.add(FollowUp(user_id=u[n].id, country_id=world.country.id,
                                organisation_id=u[n].organisation_id, path_version_id=path.id, due_at=NOW,
                                sent_at=NOW, answered_at=NOW, applied=applied, frequency=frequency,
                                barriers=barriers))
    db.session.add(FollowUp(user_id=u[1].id, country_id=world.country.id, organisation_id=world.o1.id,
                            path_version_id=other_path.id, due_at=NOW, sent_at=NOW))
    db.session.add(OrganisationAssessment(
        campaign=world.baseline, organisation=world.o1, country_id=world.country.id,
        instrument=world.baseline.instrument, status="submitted", submitted_at=NOW,
        dimension_scores={"strategy": {"score": 2.5, "level": 2, "items": 2},
                          "skills": {"score": 3.0, "level": 3, "items": 1}}, maturity_level=2.75))
    db.session.add(OrganisationAssessment(
        campaign=world.baseline, organisation=world.o2, country_id=world.country.id,
        instrument=world.baseline.instrument, status="in_progress", dimension_scores={}))
    indicator = Indicator(country_id=world.country.id, name=f"Services online ({world.o1.name})", unit="%")
    indicator.values.extend([IndicatorValue(organisation=world.o1, period="2025", value=40.0),
                             IndicatorValue(organisation=world.o1, period="2026", value=55.0),
                             IndicatorValue(organisation=None, period="2026", value=50.0)])
    db.session.add(indicator)
    db.session.flush()
    return {"r": r, "s": s, "path": path}
