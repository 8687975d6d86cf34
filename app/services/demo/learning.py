"""What Demoland's officials did between the two rounds with the plans built from the baseline: items
accepted or dismissed, paths enrolled in, resources started and completed (with dates between the
rounds), feedback (Kirkpatrick L1) and the behaviour follow-ups of completed paths (L3), some
answered, some still pending.

Everything goes through app.services.learning.progress and follow_ups. Two things the services
stamp with the clock are set back to when they happened in the story: a path's completion and
enrolment times (the follow-up survey is rescheduled from the completion), and when a survey was sent
(the e-mail job's mark).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Attempt,
    Campaign,
    Enrolment,
    LearningPlan,
    PathStep,
    PathVersion,
    PlanItem,
    Progress,
    Resource,
    ResourceCompetency,
    User,
)
from app.services.assessment.campaigns import ends_at
from app.services.demo.people import Person, users_by_email
from app.services.evaluation import follow_ups
from app.services.learning import matching
from app.services.learning import progress as learning

CHUNK = 60  # officials per commit


# Resources most who finish them rate poorly, and why: the curators' flag shows on the dashboard.
POORLY_RATED = {
    "uk-government-data-quality-framework": "Written for UK departments; hard to apply with our systems.",
    "gds-service-manual-user-research": "Assumes a research team and a budget we do not have.",
}
_RATINGS = ((5, 24), (4, 48), (3, 18), (2, 7), (1, 3))
_POOR_RATINGS = ((3, 20), (2, 50), (1, 30))
_COMMENTS = {
    5: ("Excellent, I used it the following week.", "Clear and practical."),
    4: ("Useful, some examples did not fit our context.", "Good, if a little long."),
    3: ("Some useful parts.",),
}
_APPLIED = (("yes", 45), ("partly", 35), ("no", 20))
_FREQUENCY = {"yes": (("daily", 40), ("weekly", 50), ("monthly", 10)),
              "partly": (("weekly", 30), ("monthly", 50), ("rarely", 20)),
              "no": (("rarely", 40), ("never", 60))}
_BARRIERS = ("no_time", "no_opportunity", "no_manager_support", "no_tools", "not_relevant")


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


# Learning ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Story:
    """The stretch of time learning happens in, and the clock."""

    first_day: date
    last_day: date
    today: date
    now: datetime
    weeks: int  # FOLLOW_UP_WEEKS


def _at(day: date) -> datetime:
    return datetime.combine(day, time(13, 0), tzinfo=UTC)


def _feedback(session: Session, user: User, rng: random.Random, *, resource: Resource | None = None,
              version_id: int | None = None) -> None:
    poor = resource is not None and resource.code in POORLY_RATED
    if rng.random() > (0.85 if poor else 0.65):
        return
    rating = _pick(rng, _POOR_RATINGS if poor else _RATINGS)
    relevance = max(1, min(5, rating + rng.choice((-1, 0, 0, 1))))
    comment = ""
    if poor and rng.random() < 0.5:
        comment = POORLY_RATED[resource.code]
    elif rating in _COMMENTS and rng.random() < 0.2:
        comment = rng.choice(_COMMENTS[rating])
    learning.give_feedback(session, user, rating=rating, relevance=relevance,
                           would_recommend=rating >= 4 or (rating == 3 and rng.random() < 0.3),
                           comment=comment, resource_id=resource.id if resource else None,
                           path_version_id=version_id)


def _study(session: Session, user: User, person: Person, resource: Resource, start: date,
           rng: random.Random, story: Story) -> date | None:
    """Start ``resource`` on ``start`` and perhaps complete it; the completion day, or None."""
    existing = learning.progress_of(session, user, resource.id)
    if existing is not None:  # met already, as a step of a path or an item of the plan
        return existing.completed_on
    if start > story.last_day:
        return None
    keen = person.story == "keen"
    finish = start + timedelta(days=int(min(120, max(2, resource.hours * rng.uniform(1.0, 3.5)))))
    chance = 0.85 if resource.hours <= 10 else 0.6 if resource.hours <= 40 else 0.2
    if (keen and resource.hours <= 40 or rng.random() < chance) and finish <= story.last_day:
        evidence = ""
        if resource.certificate or rng.random() < 0.08:
            evidence = f"https://example.org/certificates/{resource.code}/{person.email.split('@')[0]}"
        learning.record_progress(session, user, resource.id, status="completed", today=story.today,
                                 started_on=start, completed_on=finish, evidence_url=evidence,
                                 follow_up_weeks=story.weeks)
        _feedback(session, user, rng, resource=resource)
        return finish
    learning.record_progress(session, user, resource.id, status="started", today=story.today,
                             started_on=start, follow_up_weeks=story.weeks)
    return None


def _route(version: PathVersion, person: Person, rng: random.Random) -> list[Resource]:
    """The steps an official takes: one of each set of alternatives (in their language if one is),
    and an optional step now and then, last."""
    official = matching.Official(role_profile=person.role, languages=person.languages)
    taken: list[Resource] = []
    optional: list[Resource] = []
    groups: dict[str, list[Resource]] = {}
    for step in sorted(version.steps, key=lambda s: s.position):
        if step.alternative_group:
            if step.alternative_group not in groups:
                groups[step.alternative_group] = []
                taken.append(step.resource)  # replaced below by the alternative that suits
            groups[step.alternative_group].append(step.resource)
        elif step.optional:
            if rng.random() < 0.3:
                optional.append(step.resource)
        else:
            taken.append(step.resource)
    for choices in groups.values():
        suited = [r for r in choices if matching.shared_language(official, r.languages)] or choices
        taken[taken.index(choices[0])] = suited[0]
    return taken + optional


def _survey(session: Session, user: User, enrolment: Enrolment, rng: random.Random, story: Story) -> None:
    """Reschedule the behaviour follow-up from the real completion; answer it, or leave it pending."""
    survey = follow_ups.schedule(session, enrolment, story.weeks)
    session.flush()
    if survey.due_at > story.now - timedelta(days=2):
        return  # not due yet
    draw = rng.random()
    if draw < 0.2:
        return  # due: the job has not sent it yet
    survey.sent_at = survey.due_at
    if draw < 0.35:
        return  # sent, not answered
    applied = _pick(rng, _APPLIED)
    barriers = [] if applied == "yes" and rng.random() < 0.7 else rng.sample(_BARRIERS, rng.choice((1, 1, 2)))
    follow_ups.answer(session, user, survey.id, applied=applied, frequency=_pick(rng, _FREQUENCY[applied]),
                      barriers=barriers, comment="",
                      now=min(survey.due_at + timedelta(days=rng.uniform(1, 21)), story.now))


def _follow_path(session: Session, user: User, person: Person, version: PathVersion, start: date,
                 rng: random.Random, story: Story) -> date | None:
    enrolment = learning.enrol(session, user, version.id, follow_up_weeks=story.weeks)
    cursor, finished = start, None
    for resource in _route(version, person, rng):
        finished = _study(session, user, person, resource, cursor, rng, story)
        if finished is None:
            break
        cursor = max(cursor, finished) + timedelta(days=rng.randint(0, 10))
    if enrolment.completed_at is None:
        return None
    done = max(p.completed_on for p in session.scalars(select(Progress).where(
        Progress.user_id == user.id, Progress.status == "completed",
        Progress.resource_id.in_([s.resource_id for s in version.steps]))))
    enrolment.enrolled_at, enrolment.completed_at = _at(start), _at(done)
    _survey(session, user, enrolment, rng, story)
    _feedback(session, user, rng, version_id=version.id)
    return done


def _learn(session: Session, user: User, person: Person, plan: LearningPlan, rng: random.Random,
           story: Story) -> None:
    items = [item for item in sorted(plan.items, key=lambda i: i.position) if item.status != "dismissed"]
    if not items:
        return
    if rng.random() > person.drive:
        if rng.random() < 0.3:
            reason = rng.choice(("no_time", "already_know", "not_relevant"))
            learning.dismiss(session, user, items[0].id, reason)
        return
    count = min(len(items), 6) if person.story == "keen" else rng.choice((1, 2, 2, 3, 3))
    span = (story.last_day - story.first_day).days
    cursor: date | None = story.first_day + timedelta(days=int(span * rng.uniform(0.0, 0.45)))
    for item in items[:count]:
        learning.accept(session, user, item.id)
        if cursor is None:
            continue  # accepted, not started yet
        if item.kind == "path" and item.path_version is not None:
            finished = _follow_path(session, user, person, item.path_version, cursor, rng, story)
        elif item.resource is not None:
            finished = _study(session, user, person, item.resource, cursor, rng, story)
        else:
            continue
        cursor = finished + timedelta(days=rng.randint(1, 20)) if finished else None
    if len(items) > count and rng.random() < 0.15:
        learning.dismiss(session, user, items[count].id, rng.choice(("no_time", "already_know")))


def learn(session: Session, people: list[Person], baseline: Campaign, follow_up: Campaign, seed: int, *,
          now: datetime, weeks: int) -> int:
    """Learning between the rounds, for each official with a plan who has not acted on it yet and has
    not taken the follow-up. How many officials were gone through."""
    story = Story(first_day=(ends_at(baseline) + timedelta(days=5)).date(),
                  last_day=(follow_up.opens_at - timedelta(days=5)).date(),
                  today=now.date(), now=now, weeks=weeks)
    users = users_by_email(session, people)
    ids = [u.id for u in users.values()]
    took_follow_up = set(session.scalars(select(Attempt.user_id).where(Attempt.campaign_id == follow_up.id)))
    acted = set(session.scalars(select(Progress.user_id).where(Progress.user_id.in_(ids))))
    acted |= set(session.scalars(select(Enrolment.user_id).where(Enrolment.user_id.in_(ids))))
    acted |= set(session.scalars(select(LearningPlan.user_id).join(PlanItem).where(
        LearningPlan.user_id.in_(ids), PlanItem.status != "suggested")))
    plans_by_user = {plan.user_id: plan for plan in session.scalars(
        select(LearningPlan).where(LearningPlan.user_id.in_(ids)).options(
            selectinload(LearningPlan.items).selectinload(PlanItem.resource),
            selectinload(LearningPlan.items).selectinload(PlanItem.path_version)
            .selectinload(PathVersion.steps).selectinload(PathStep.resource)))}
    gone_through = 0
    for person in people:
        user = users[person.email]
        plan = plans_by_user.get(user.id)
        if plan is None or user.id in took_follow_up or user.id in acted:
            continue
        _learn(session, user, person, plan, random.Random(f"{seed}:{person.email}:learning"), story)
        gone_through += 1
        if gone_through % CHUNK == 0:
            session.commit()
    session.commit()
    return gone_through


def taught(session: Session, user_ids: list[int]) -> dict[int, list[tuple[int, int, int]]]:
    """Per user: (competency, level from, level to) of every resource they completed."""
    found: dict[int, list[tuple[int, int, int]]] = {}
    for user_id, competency_id, level_from, level_to in session.execute(
            select(Progress.user_id, ResourceCompetency.competency_id, ResourceCompetency.level_from,
                   ResourceCompetency.level_to)
            .join(ResourceCompetency, ResourceCompetency.resource_id == Progress.resource_id)
            .where(Progress.user_id.in_(user_ids), Progress.status == "completed")
            .order_by(Progress.user_id, Progress.resource_id, ResourceCompetency.competency_id)):
        found.setdefault(user_id, []).append((competency_id, level_from, level_to))
    return found
