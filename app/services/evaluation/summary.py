"""What a dashboard page says in words at its top: the facts, worked out only from the tables the page
already built (so only from released figures) and the tests adjusted for their number (Holm). No Flask:
the dashboard words these facts (app/dashboard/summary.py).

A count stays as the table released it: a ``Count`` (or 0), or ``Suppressed`` — which the wording must
never turn into a number. A share worked out here (the response rate) is worked out from released
counts only. A change is **clear** when its Holm-adjusted p is under ``CLEAR`` and its 95% confidence
interval is all on one side of zero: the raw p of one of 21 tests falls under 0.05 by chance alone
more often than a director would guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Campaign
from app.services.evaluation.common import Figure, Suppressed, Table
from app.services.evaluation.release import share_of

CLEAR = 0.05  # the family-wise error rate the adjusted p keeps a "clear change" under
LARGEST_GAPS = 3  # competencies named in the skills summary

Released = int | Suppressed | None  # a count as a table released it; None: no such row


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shown(value: object) -> bool:
    """A released count of at least one official."""
    return _number(value) and value > 0


# Change over time ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cycle:
    campaign_id: int
    name: str
    opens_at: datetime | None


@dataclass(frozen=True)
class Movement:
    competency: str
    change: float  # the mean change in levels, as released


@dataclass(frozen=True)
class ChangeFacts:
    """The change between the latest follow-up with a test (or the latest, when none has one) and its
    baseline, per competency."""

    baseline: Cycle | None
    follow_up: Cycle | None
    follow_ups: int  # follow-up campaigns in view
    tested: int  # competencies with a test in that follow-up
    rose: tuple[Movement, ...] = ()  # clearly, largest first
    fell: tuple[Movement, ...] = ()  # clearly, largest fall first
    pairs: Released = None  # officials who took both (the pairing table's total)

    @property
    def enough(self) -> bool:
        return self.follow_up is not None and self.tested > 0 and not isinstance(self.pairs, Suppressed)


def _clear(row) -> int:
    """+1 for a clear rise, -1 for a clear fall, 0 otherwise."""
    figures = (row.p_adjusted, row.ci_low, row.ci_high, row.change)
    if not all(_number(f) for f in figures) or row.p_adjusted >= CLEAR:
        return 0
    return 1 if row.ci_low > 0 else -1 if row.ci_high < 0 else 0


def change_facts(session: Session, tables: Mapping[str, Table]) -> ChangeFacts:
    """From "change-by-competency" and "pairing-by-organisation" (either may be missing); one statement
    for the two campaigns' opening dates."""
    rows = list(tables["change-by-competency"].rows) if "change-by-competency" in tables else []
    pairing = list(tables["pairing-by-organisation"].rows) if "pairing-by-organisation" in tables else []
    order = list(dict.fromkeys([r.campaign_id for r in rows] + [r.campaign_id for r in pairing]))
    if not order:
        return ChangeFacts(None, None, 0, 0)
    tested = {c: [r for r in rows if r.campaign_id == c and _number(r.p_adjusted)] for c in order}
    with_tests = [c for c in order if tested[c]]
    chosen = (with_tests or order)[-1]  # the tables list the follow-ups in the order they opened
    head = next(r for r in [*rows, *pairing] if r.campaign_id == chosen)
    opened = _openings(session, {chosen, head.baseline_id})
    rose = sorted((r for r in tested[chosen] if _clear(r) > 0), key=lambda r: -r.change)
    fell = sorted((r for r in tested[chosen] if _clear(r) < 0), key=lambda r: r.change)
    total = next((r.paired for r in pairing if r.campaign_id == chosen and r.is_total), None)
    return ChangeFacts(
        baseline=Cycle(head.baseline_id, head.baseline, opened.get(head.baseline_id)),
        follow_up=Cycle(chosen, head.campaign, opened.get(chosen)),
        follow_ups=len(order), tested=len(tested[chosen]),
        rose=tuple(Movement(r.group, r.change) for r in rose),
        fell=tuple(Movement(r.group, r.change) for r in fell),
        pairs=total)


def _openings(session: Session, ids: set[int]) -> dict[int, datetime]:
    """When each campaign opened: the campaigns' own dates, no figure about officials."""
    stmt = select(Campaign.id, Campaign.opens_at).where(Campaign.id.in_(sorted(ids)))
    return dict(session.execute(stmt).all())


# Participation -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipationFacts:
    campaigns: int  # campaigns in view
    campaign: str | None = None  # the latest (the one that opened last)
    invited: Released = None
    submitted: Released = None
    response_rate: Figure = None  # submitted / invited, both released; None when either is not shown

    @property
    def enough(self) -> bool:
        return self.campaign is not None


def participation_facts(tables: Mapping[str, Table]) -> ParticipationFacts:
    rows = tables["participation"].rows
    order = list(dict.fromkeys(r.campaign_id for r in rows))
    if not order:
        return ParticipationFacts(0)
    latest = order[-1]  # the funnel lists campaigns in the order they opened
    total = next((r for r in rows if r.campaign_id == latest and r.is_total), None)
    if total is None:
        return ParticipationFacts(len(order), next(r.campaign for r in rows if r.campaign_id == latest))
    rate = None
    if _shown(total.invited) and _number(total.submitted):
        rate = share_of(total.submitted, total.invited)
    return ParticipationFacts(len(order), total.campaign, total.invited, total.submitted, rate)


# Skills ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    competency: str
    mean_gap: float  # levels below the role target, as released


@dataclass(frozen=True)
class SkillsFacts:
    competencies: int  # in the heatmap or the levels table
    largest: tuple[Gap, ...] = ()  # the largest mean gaps over every organisation, largest first
    gaps_shown: int = 0  # competencies whose mean gap is shown
    gaps_hidden: int = 0  # competencies whose mean gap is over too few officials to show
    not_assessed_in: int = 0  # competencies with officials not assessed (shown or hidden)
    most_not_assessed: tuple[str, int] | None = None  # the competency with the most, when shown


def skills_facts(tables: Mapping[str, Table]) -> SkillsFacts:
    """The heatmap's "All organisations" row gives the gaps; the levels table's total rows (the
    heatmap's when there is no levels table) give the officials not assessed."""
    heat = [r for r in tables["heatmap"].rows if r.is_total] if "heatmap" in tables else []
    levels = [r for r in tables["levels"].rows if r.is_total] if "levels" in tables else []
    competencies = {r.competency_id for r in [*heat, *levels]}
    gaps = [Gap(r.competency, r.mean_gap) for r in heat if _number(r.mean_gap)]
    largest = sorted((g for g in gaps if g.mean_gap > 0), key=lambda g: -g.mean_gap)[:LARGEST_GAPS]
    missing = [(r.competency, r.not_assessed) for r in (levels or heat)
               if _shown(r.not_assessed) or isinstance(r.not_assessed, Suppressed)]
    counted = [(name, n) for name, n in missing if _number(n)]
    return SkillsFacts(len(competencies), tuple(largest), len(gaps),
                       sum(isinstance(r.mean_gap, Suppressed) for r in heat), len(missing),
                       max(counted, key=lambda item: item[1]) if counted else None)


# Learning --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearningFacts:
    activity: bool  # the activity table has rows
    with_plan: Released = None  # officials with an accepted plan item, over every organisation
    enrolled: Released = None  # officials enrolled in a path
    completed: Released = None  # officials who completed a path
    feedback: int = 0  # resources and paths with any feedback
    rated: int = 0  # of those, with enough responses to show
    flagged: int = 0  # of those, rated poorly (flagged for the curators)


def learning_facts(tables: Mapping[str, Table]) -> LearningFacts:
    activity = tables["learning-activity"].rows if "learning-activity" in tables else []
    total = next((r for r in activity if r.is_total), None)
    feedback = [r for name in ("resource-feedback", "path-feedback") if name in tables
                for r in tables[name].rows]
    rated = [r for r in feedback if _shown(r.responses)]
    counts = (total.officials_with_plan, total.officials_enrolled, total.officials_completed) if total \
        else (None, None, None)
    return LearningFacts(bool(activity), *counts, feedback=len(feedback), rated=len(rated),
                         flagged=sum(bool(r.flagged) for r in rated))


# Countries -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountriesFacts:
    countries: int
    with_follow_up: int  # countries that have run a follow-up campaign


def countries_facts(tables: Mapping[str, Table]) -> CountriesFacts:
    rows = tables["countries"].rows
    return CountriesFacts(len(rows), sum(bool(r.follow_up) for r in rows))


Facts = ChangeFacts | ParticipationFacts | SkillsFacts | LearningFacts | CountriesFacts


def page_facts(session: Session, page: str, tables: Mapping[str, Table]) -> Facts:
    """The facts of a dashboard page ("index", "skills", "change", "learning", "countries")."""
    if page == "change":
        return change_facts(session, tables)
    return {"index": participation_facts, "skills": skills_facts, "learning": learning_facts,
            "countries": countries_facts}[page](tables)
