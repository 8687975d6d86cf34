"""Demoland's assessment rounds: a baseline some nine months ago and a follow-up open now, officials
invited from a CSV file, attempts answered and submitted through app.services.assessment (so scoring
stores every CompetencyResult), and the organisation assessments of both rounds.

Times: every write goes through the services with the moment it happened in the story (``now``
inside the campaign's window), so windows are checked as for any official.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Attempt,
    AttemptStatus,
    Campaign,
    Competency,
    Framework,
    Instrument,
    InstrumentKind,
    Invitation,
    Organisation,
    RoleProfile,
    RoleTarget,
    User,
)
from app.services.assessment import answers as saving
from app.services.assessment import campaigns, forms, invites, org_maturity, submission
from app.services.assessment import taking as attempts
from app.services.assessment.campaigns import ends_at
from app.services.audit import Actor
from app.services.demo import answers
from app.services.demo.people import Person, users_by_email
from app.services.errors import NotFound, ValidationFailed

FRAMEWORK, INSTRUMENT = "dgcf", "tna-individual"
BASELINE = ("Digital skills baseline", "baseline")
FOLLOW_UP = ("Digital skills follow-up", "follow-up 1")
CHUNK = 60  # officials per commit


@dataclass(frozen=True)
class Content:
    """The synced content the demo stands on."""

    framework: Framework
    instrument: Instrument
    competencies: dict[int, str]  # id -> code
    targets: dict[str, dict[int, int]]  # role profile code -> competency id -> target level


def load_content(session: Session) -> Content:
    """The framework, the current individual instrument, the competencies and role targets.

    Raises NotFound when the bundled content has not been synced.
    """
    framework = session.scalar(select(Framework).where(Framework.code == FRAMEWORK))
    instrument = session.scalar(select(Instrument).where(
        Instrument.code == INSTRUMENT, Instrument.current.is_(True),
        Instrument.kind == InstrumentKind.INDIVIDUAL))
    organisation_instrument = session.scalar(select(Instrument.id).where(
        Instrument.kind == InstrumentKind.ORGANISATION, Instrument.current.is_(True)))
    if framework is None or instrument is None or organisation_instrument is None:
        raise NotFound(f"The demo needs the bundled content (framework {FRAMEWORK}, instruments "
                       f"{INSTRUMENT} and tna-organisation): run flask content sync first")
    competencies = dict(session.execute(select(Competency.id, Competency.code).where(
        Competency.framework_id == framework.id, Competency.retired.is_(False))).all())
    targets: dict[str, dict[int, int]] = {}
    for code, competency_id, level in session.execute(
            select(RoleProfile.code, RoleTarget.competency_id, RoleTarget.level)
            .join(RoleTarget, RoleTarget.role_profile_id == RoleProfile.id)
            .where(RoleProfile.framework_id == framework.id)):
        targets.setdefault(code, {})[competency_id] = level
    return Content(framework, instrument, competencies, targets)


# Campaigns and invitations ------------------------------------------------------------------------

def _local_day(now: datetime, time_zone: str, days: int, at: time) -> datetime:
    today = campaigns.local_time(now, time_zone).date()
    return datetime.combine(today + timedelta(days=days), at)


def ensure_campaigns(session: Session, actor: Actor, country, content: Content, now: datetime
                     ) -> tuple[Campaign, Campaign]:
    """The baseline (opened about nine months ago, closed) and its follow-up (open now)."""
    found = {c.name: c for c in session.scalars(select(Campaign).where(Campaign.country_id == country.id))}
    zone = country.time_zone
    baseline = found.get(BASELINE[0]) or campaigns.create_campaign(
        session, actor, country=country, instrument=content.instrument, name=BASELINE[0],
        cycle_label=BASELINE[1], opens_local=_local_day(now, zone, -270, time(8)),
        closes_local=_local_day(now, zone, -240, time(23, 59)))
    follow_up = found.get(FOLLOW_UP[0]) or campaigns.create_campaign(
        session, actor, country=country, instrument=content.instrument, name=FOLLOW_UP[0],
        cycle_label=FOLLOW_UP[1], opens_local=_local_day(now, zone, -30, time(8)),
        closes_local=_local_day(now, zone, 21, time(23, 59)), baseline=baseline)
    return baseline, follow_up


def invite(session: Session, actor: Actor, campaign: Campaign, people: list[Person]) -> int:
    """Invite those of ``people`` not invited yet, from a CSV file as a focal point would (checked,
    then imported: new officials are created by the import). Two days before the window opens."""
    invited = set(session.scalars(select(User.email).join(Invitation, Invitation.user_id == User.id)
                                  .where(Invitation.campaign_id == campaign.id)))
    todo = [person for person in people if person.email not in invited]
    if not todo:
        return 0
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "name", "organisation", "role_profile"])
    writer.writerows([p.email, p.name, p.organisation, p.role] for p in todo)
    when = campaign.opens_at - timedelta(days=2)
    staged = invites.stage_file(session, actor, campaign, out.getvalue().encode(), "demoland-officials.csv",
                                now=when)
    if staged.errors:
        first = staged.errors[0]
        raise ValidationFailed(
            f"demo officials file, row {first['row']}, {first['field']}: {first['reason']}")
    return invites.import_file(session, actor, staged, now=when).invited


# Attempts ---------------------------------------------------------------------------------------

def baseline_levels(seed: int, person: Person, content: Content) -> dict[int, float]:
    rng = random.Random(f"{seed}:{person.email}:levels")
    return answers.true_levels(rng, content.competencies, content.targets.get(person.role, {}),
                               person.organisation)


def _moments(rng: random.Random, campaign: Campaign, now: datetime) -> tuple[datetime, datetime, datetime]:
    """When an official started, saved and submitted: early in the window more often than late."""
    start, end = campaign.opens_at, min(ends_at(campaign), now - timedelta(hours=2))
    started = start + (end - start) * rng.betavariate(1.3, 3.0)
    saved = min(end, started + timedelta(minutes=rng.uniform(8, 35)))
    return started, saved, min(end, saved + timedelta(minutes=rng.uniform(1, 5)))


@dataclass(frozen=True)
class Taking:
    """Who takes a campaign: ``submits(person, rng)`` and ``starts(person, rng)`` (started, never
    submitted), and their latent levels in it."""

    submits: Callable[[Person, random.Random], bool]
    starts: Callable[[Person, random.Random], bool]
    levels: Callable[[Person], Mapping[int, float]]


def take(session: Session, campaign: Campaign, people: list[Person], content: Content, taking: Taking,
         seed: int, now: datetime) -> list[int]:
    """Answer ``campaign`` for each of ``people`` without an attempt in it yet: all items then submit,
    or (for those who only start) the first sections. The ids of the users who submitted."""
    done = set(session.scalars(select(Attempt.user_id).where(Attempt.campaign_id == campaign.id)))
    users = users_by_email(session, people)
    items = answers.load_items(session, content.instrument)
    submitted: list[int] = []
    pending = 0
    for person in people:
        user = users[person.email]
        if user.id in done:
            continue
        rng = random.Random(f"{seed}:{person.email}:{campaign.cycle_label}")
        submits = taking.submits(person, rng)
        if not submits and not taking.starts(person, rng):
            continue
        started, saved, sent = _moments(rng, campaign, now)
        attempt = attempts.start(session, user, campaign.id, started)
        form = set(forms.form_item_ids(session, attempt.id))  # the checks drawn for this official
        shown = [item for item in items if item.id in form]
        given = answers.answers(rng, shown, taking.levels(person), person)
        if not submits:  # stopped part-way: the answers of the first sections only
            kept = {item.id for item in shown[:int(len(shown) * rng.uniform(0.2, 0.7))]}
            given = {item_id: value for item_id, value in given.items() if item_id in kept}
        errors = saving.save_answers(session, attempt.id, user.id, given, now=saved)
        if errors:
            raise ValidationFailed(f"demo answers refused for {person.email}: {errors}")
        if submits:
            submission.submit(session, attempt.id, user.id, sent)
            submitted.append(user.id)
        pending += 1
        if pending >= CHUNK:
            session.commit()
            pending = 0
    session.commit()
    return submitted


def submitted_users(session: Session, campaign: Campaign) -> set[int]:
    return set(session.scalars(select(Attempt.user_id).where(
        Attempt.campaign_id == campaign.id, Attempt.status == AttemptStatus.SUBMITTED)))


# Organisation assessments -------------------------------------------------------------------------

def assess_organisations(session: Session, actor: Actor, campaign: Campaign, seed: int, *,
                         improvement: bool, now: datetime) -> int:
    """Each organisation's assessment in ``campaign``, submitted a few days into the window; in the
    follow-up (``improvement``) every organisation has matured a little. How many were written."""
    written = 0
    when = min(campaign.opens_at + timedelta(days=6), now - timedelta(hours=1))
    for link in sorted(campaign.organisations, key=lambda link: link.organisation.name):
        organisation: Organisation = link.organisation
        if org_maturity.find(session, campaign, organisation) is not None:
            continue
        base = random.Random(f"{seed}:{organisation.name}:maturity")
        level = base.uniform(0.9, 2.4) + (base.uniform(0.3, 0.7) if improvement else 0.0)
        rng = random.Random(f"{seed}:{organisation.name}:{campaign.cycle_label}")
        instrument = org_maturity.organisation_instrument(session, campaign)
        chosen = {}
        for item in org_maturity.maturity_items(instrument):
            wanted = level + rng.gauss(0, 0.6)
            option = min(item.options, key=lambda o: (abs(int(o.get("score", 0)) - wanted), o["value"]))
            chosen[item.code] = option["value"]
        org_maturity.save(session, actor, campaign, organisation, chosen, submit=True, now=when)
        written += 1
    session.commit()
    return written
