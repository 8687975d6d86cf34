"""Kirkpatrick level 2, learning: what changed between cycles, for whom.

Pairing: a follow-up campaign (``Campaign.baseline_id``) pairs each official's submitted attempt with
their submitted attempt in the baseline campaign it points at. Officials who submitted only one of
the two are not dropped silently: ``pairing`` counts them apart (baseline only, follow-up only).
A chain baseline → follow-up 1 → follow-up 2 pairs each follow-up with the campaign it points at.

The measure of an official in a cycle is their calibrated level: per competency in
``change_by_competency``, and the mean over the competencies assessed in both cycles in
``change_by_organisation`` and ``change_by_role_profile`` (narrowed to one with
``Filters.competency_id``). The group of a pair is the follow-up attempt's organisation or role.
A pair needs the competency assessed in both cycles: an official paired whose result is not assessed
in either (per competency), or who has no competency assessed in both (per organisation or role), is
left out of every figure and counted apart (``not_assessed``).

Per row: the mean level in each cycle, the paired change with its 95% confidence interval, the
paired t-test p and Cohen's d_z (evaluation.stats.paired_change, worked out from sums the database
groups — see common.paired_from_sums); the share of officials who had a gap at baseline and none at
follow-up (per competency: that competency's gap; per organisation or role: their total gap over the
competencies with a target in both cycles); the knowledge-check score — the share of knowledge
checks answered right, per attempt (CompetencyResult.knowledge_correct / knowledge_total, counted at
submission from each Answer against its Item.key, an unanswered check counting as wrong) — in each
cycle and its change as Hake's normalised gain, over the pairs with knowledge checks in both.

Small cells: every figure over fewer than ``k`` pairs is Suppressed; a change over fewer than 2 pairs
(when ``k`` < 2) is NOT_ENOUGH. Organisation and role-profile tables have an "All" row per campaign,
so a lone hidden group takes the next smallest with it (pairs, gap pairs and knowledge pairs each).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.models import (
    Campaign,
    Competency,
    Organisation,
    RoleProfile,
)
from app.services.evaluation.change_sums import BY_COMPETENCY, BY_ORGANISATION, BY_ROLE, SUMS, group_sums
from app.services.evaluation.common import (
    DEFAULT_K,
    NO_FILTERS,
    NOT_ENOUGH,
    Figure,
    Filters,
    Scope,
    Suppressed,
    Table,
    in_scope,
    level_bounds,
)
from app.services.evaluation.release import SHARE, Bounds, Release, Sides, as_release
from app.services.evaluation.stats import MIN_PAIRS, holm, normalised_gain
from app.services.evaluation.trend import level_measure


@dataclass(frozen=True)
class ChangeRow:
    campaign_id: int  # the follow-up campaign
    campaign: str
    cycle_label: str
    baseline_id: int
    baseline: str
    group_id: int | None  # competency, organisation or role profile id; None on the "All" row
    group: str
    pairs: int | Suppressed
    mean_before: Figure
    mean_after: Figure
    change: Figure
    ci_low: Figure
    ci_high: Figure
    p: Figure  # paired t-test; None when every change is the same
    p_adjusted: Figure  # Holm's adjustment over the rows of the same follow-up and table
    cohens_dz: Figure
    share_closed: Figure  # None when nobody had a gap
    knowledge_before: Figure  # mean share of knowledge checks right
    knowledge_after: Figure
    normalised_gain: Figure  # None when the group scored full marks at baseline
    not_assessed: int | Suppressed = 0  # officials paired, not assessed in both cycles: not in a pair
    is_total: bool = False


CHANGE_COLUMNS = ("campaign", "cycle_label", "baseline", "group", "pairs", "mean_before", "mean_after",
                  "change", "ci_low", "ci_high", "p", "p_adjusted", "cohens_dz", "share_closed",
                  "knowledge_before", "knowledge_after", "normalised_gain", "not_assessed")

def change_by_competency(session: Session, scope: Scope, filters: Filters = NO_FILTERS,
                         k: int | Release = DEFAULT_K) -> Table[ChangeRow]:
    """One row per follow-up campaign and competency (no "All" row: every row counts the same
    officials again). Three statements."""
    return _change(session, scope, filters, k, BY_COMPETENCY)


def change_by_organisation(session: Session, scope: Scope, filters: Filters = NO_FILTERS,
                           k: int | Release = DEFAULT_K) -> Table[ChangeRow]:
    """One row per follow-up campaign and organisation, then "All organisations". Three statements."""
    return _change(session, scope, filters, k, BY_ORGANISATION)


def change_by_role_profile(session: Session, scope: Scope, filters: Filters = NO_FILTERS,
                           k: int | Release = DEFAULT_K) -> Table[ChangeRow]:
    """One row per follow-up campaign and role profile ("No role profile" for attempts without one),
    then "All role profiles". Three statements."""
    return _change(session, scope, filters, k, BY_ROLE)


def _change(session: Session, scope: Scope, filters: Filters, k: int | Release, by: str
            ) -> Table[ChangeRow]:
    release = as_release(k)
    found = group_sums(session, scope, filters, by)
    name = f"change-by-{by.replace('_', '-')}"
    if not found:
        return Table(name, CHANGE_COLUMNS, [], release.k)
    bounds = level_bounds(session)
    campaigns = campaigns_with_baselines(session, scope)
    groups = group_names(session, by, {row["group_id"] for row in found}, scope)
    out: list[ChangeRow] = []
    for campaign_id in sorted({row["campaign_id"] for row in found}, key=lambda c: campaigns[c]["order"]):
        info = campaigns[campaign_id]
        head = (campaign_id, info["name"], info["cycle_label"], info["baseline_id"], info["baseline"])
        part = sorted((row for row in found if row["campaign_id"] == campaign_id),
                      key=lambda row: groups[row["group_id"]][2:])
        family = []
        for row in part:
            competency = row["group_id"] if by == BY_COMPETENCY else filters.competency_id
            family.append((row["group_id"], groups[row["group_id"]][1], False,
                           _figures(row, release, _measure(competency, filters), bounds)))
        if by != BY_COMPETENCY:
            total = {column: sum(row[column] for row in part) for column in SUMS}
            family.append((None, ALL_LABELS[by], True,
                           _figures(total, release, _measure(filters.competency_id, filters), bounds)))
        adjusted = holm([f["p"] if isinstance(f["p"], float) else None for *_x, f in family[:len(part)]])
        for index, (group_id, group, is_total, figures) in enumerate(family):
            p_adjusted = release.value(adjusted[index]) if index < len(part) else figures["p"]
            if not isinstance(figures["p"], float):
                p_adjusted = figures["p"]
            out.append(ChangeRow(*head, group_id, group, **figures, p_adjusted=p_adjusted, is_total=is_total))
    return Table(name, CHANGE_COLUMNS, out, release.k)


ALL_LABELS = {BY_ORGANISATION: "All organisations", BY_ROLE: "All role profiles", None: "All officials"}


def _measure(competency_id: int | None, filters: Filters) -> str:
    """What a change figure measures, for the release layer: the same set of pairs measured the same
    way gets the same noise in every table."""
    return f"change:{competency_id or 'mean'}:{'validated' if filters.validated_only else 'all'}"


def _sides(sums: dict[str, Any], measure: str) -> Sides:
    """A competency's levels before and after move as the same levels do in the trend (the same
    attempts, the same values); a mean over the competencies assessed in both cycles is this table's
    own measure (it can differ from a cycle's mean over what was assessed in it)."""
    _change, competency, results = measure.split(":")
    if competency == "mean":
        before, after = f"{measure}:before", f"{measure}:after"
    else:
        before = after = level_measure(int(competency), Filters(validated_only=results == "validated"))
    return Sides(int(sums["key_base"]), int(sums["key_n"]), before, after, f"{measure}:diff^2")


def _figures(sums: dict[str, Any], release: Release, measure: str, bounds: Bounds) -> dict[str, Figure]:
    n = int(sums["n"])
    hidden = release.hidden(n)
    figures: dict[str, Figure] = {
        "pairs": release.count(n, int(sums["key_n"]), "attempts"),
        "not_assessed": release.count(int(sums["not_assessed"]), int(sums["key_not_assessed"]), "attempts"),
        "share_closed": release.share(int(sums["closed"]), int(sums["had_gap"]), int(sums["key_had_gap"]),
                                      int(sums["key_closed"]), "attempts"),
    }
    sides = _sides(sums, measure)
    change = release.paired(n, sides, sums["sum_before"], sums["sum_after"], sums["sum_diff_sq"], bounds)
    stats = ("change", "ci_low", "ci_high", "p", "cohens_dz")
    if hidden:
        figures.update(dict.fromkeys(("mean_before", "mean_after", *stats), change))
    elif n == 0:  # only officials not assessed in both: nothing to show
        figures.update(dict.fromkeys(("mean_before", "mean_after", *stats)))
    elif change is None:
        figures.update(
            mean_before=release.mean(sums["sum_before"], n, sides.before_key, sides.before, bounds),
            mean_after=release.mean(sums["sum_after"], n, sides.after_key, sides.after, bounds))
        figures.update(dict.fromkeys(stats, NOT_ENOUGH))
    else:
        figures.update(mean_before=change.mean_before, mean_after=change.mean_after,
                       change=change.mean_change, ci_low=change.ci_low, ci_high=change.ci_high, p=change.p,
                       cohens_dz=change.cohens_dz)
    figures.update(_knowledge(sums, release, measure))
    return figures


def _knowledge(sums: dict[str, Any], release: Release, measure: str) -> dict[str, Figure]:
    n = int(sums["n_knowledge"])
    key_n = int(sums["key_knowledge"])
    before = release.mean(sums["knowledge_before"], n, key_n, f"{measure}:knowledge:before", SHARE)
    after = release.mean(sums["knowledge_after"], n, key_n, f"{measure}:knowledge:after", SHARE)
    if not isinstance(before, float) or not isinstance(after, float):
        return {"knowledge_before": before, "knowledge_after": after, "normalised_gain": before}
    gain = release.value(normalised_gain(before, after)) if n >= MIN_PAIRS else NOT_ENOUGH
    return {"knowledge_before": before, "knowledge_after": after, "normalised_gain": gain}


def campaigns_with_baselines(session: Session, scope: Scope) -> dict[int, dict[str, Any]]:
    """The follow-up campaigns in the viewer's countries with their baselines: by scope, not by a
    list of the ids found (one statement whatever the data)."""
    campaign, baseline = aliased(Campaign), aliased(Campaign)
    found = session.execute(
        select(campaign.id, campaign.name, campaign.cycle_label, campaign.opens_at,
               baseline.id.label("baseline_id"), baseline.name.label("baseline"))
        .join(baseline, baseline.id == campaign.baseline_id)
        .where(in_scope(campaign.country_id, scope)))
    return {row.id: {"name": row.name, "cycle_label": row.cycle_label, "baseline_id": row.baseline_id,
                     "baseline": row.baseline, "order": (row.opens_at, row.id)} for row in found}


def group_names(session: Session, by: str | None, ids, scope: Scope
                ) -> dict[int | None, tuple[str, str, int, str]]:
    """group id -> (code, name, sort position, sort name); one statement (none for ``by`` None).
    Organisations are read by scope (they grow with the data); competencies and role profiles, the
    framework's content, by the ids found."""
    wanted = sorted(i for i in ids if i is not None)
    names: dict[int | None, tuple[str, str, int, str]] = {None: ("", ALL_LABELS[None], 1, "")}
    if by == BY_COMPETENCY:
        names.update({row.id: (row.code, row.name, row.position, row.code) for row in session.execute(
            select(Competency.id, Competency.code, Competency.name, Competency.position)
            .where(Competency.id.in_(wanted)))})
    elif by == BY_ORGANISATION:
        names.update({row.id: ("", row.name, 0, row.name) for row in session.execute(
            select(Organisation.id, Organisation.name).where(in_scope(Organisation.country_id, scope)))})
    elif by == BY_ROLE:
        names[None] = ("", "No role profile", 1, "")
        names.update({row.id: (row.code, row.name, 0, row.name) for row in session.execute(
            select(RoleProfile.id, RoleProfile.code, RoleProfile.name).where(RoleProfile.id.in_(wanted)))})
    return names
