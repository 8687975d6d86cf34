"""Kirkpatrick level 1 (reaction: feedback on resources and paths) and level 3 (behaviour: the
follow-up survey some weeks after an official completes a path)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.orm import Session

from app.models import CoursePath, Feedback, FollowUp, Organisation, PathVersion, Resource, User
from app.services.evaluation.common import (
    DEFAULT_K,
    NO_FILTERS,
    Figure,
    Filters,
    Scope,
    Suppressed,
    Table,
    count_cell,
    hidden_groups,
    in_scope,
    people_filter,
    ratio,
    shown,
)

POOR_RATING = 3  # a mean rating below this, over at least k responses, flags the item for curators


@dataclass(frozen=True)
class FeedbackRow:
    kind: str  # resource | path
    target_id: int  # the resource id, or the path version id
    code: str  # the resource's code, or the path's code
    title: str
    version: int | None  # the path version; None for a resource
    responses: int | Suppressed
    mean_rating: Figure  # 1-5
    mean_relevance: Figure  # 1-5
    share_recommend: Figure  # 0-1
    flagged: bool  # rated poorly: for the curators to review (see POOR_RATING)


FEEDBACK_COLUMNS = ("kind", "code", "title", "version", "responses", "mean_rating", "mean_relevance",
                    "share_recommend", "flagged")


def resource_feedback(session: Session, scope: Scope, filters: Filters = NO_FILTERS, k: int = DEFAULT_K
                      ) -> Table[FeedbackRow]:
    """Feedback given on each resource by officials the viewer may see (their country), worst rated
    first. A resource is **flagged** when its mean rating is below 3 over at least ``k`` responses:
    fewer responses are suppressed, and too few to judge it by. One statement."""
    stmt = (select(Resource.id, Resource.code, Resource.title, *_aggregates())
            .select_from(Feedback)
            .join(Resource, Resource.id == Feedback.resource_id)
            .group_by(Resource.id, Resource.code, Resource.title))
    found = [(row[0], row[1], row[2], None, *row[3:]) for row in session.execute(_narrowed(stmt, scope,
                                                                                          filters))]
    return Table("resource-feedback", FEEDBACK_COLUMNS, _feedback_rows("resource", found, k), k)


def path_feedback(session: Session, scope: Scope, filters: Filters = NO_FILTERS, k: int = DEFAULT_K
                  ) -> Table[FeedbackRow]:
    """Feedback on each path version, the same way as ``resource_feedback``. One statement."""
    stmt = (select(PathVersion.id, CoursePath.code, PathVersion.title, PathVersion.version, *_aggregates())
            .select_from(Feedback)
            .join(PathVersion, PathVersion.id == Feedback.path_version_id)
            .join(CoursePath, CoursePath.id == PathVersion.path_id)
            .group_by(PathVersion.id, CoursePath.code, PathVersion.title, PathVersion.version))
    found = [tuple(row) for row in session.execute(_narrowed(stmt, scope, filters))]
    return Table("path-feedback", FEEDBACK_COLUMNS, _feedback_rows("path", found, k), k)


def _aggregates():
    return (func.count(), func.avg(cast(Feedback.rating, Float)), func.avg(cast(Feedback.relevance, Float)),
            func.sum(case((Feedback.would_recommend.is_(True), 1), else_=0)))


def _narrowed(stmt, scope: Scope, filters: Filters):
    stmt = stmt.join(User, User.id == Feedback.user_id).where(in_scope(User.country_id, scope),
                                                             people_filter(User.id, filters))
    if filters.organisation_id is not None:
        stmt = stmt.where(User.organisation_id == filters.organisation_id)
    return stmt


def _feedback_rows(kind: str, found, k: int) -> list[FeedbackRow]:
    out = []
    for target_id, code, title, version, n, rating, relevance, recommend in found:
        n = int(n)
        out.append(FeedbackRow(kind, target_id, code, title, version, count_cell(n, k),
                               shown(float(rating), n, k), shown(float(relevance), n, k),
                               shown(ratio(recommend, n), n, k),
                               flagged=n >= k and float(rating) < POOR_RATING))
    # Worst rated first; suppressed ones (no rating shown) last.
    return sorted(out, key=lambda r: (isinstance(r.mean_rating, Suppressed),
                                      r.mean_rating if isinstance(r.mean_rating, float) else 0.0,
                                      r.code, r.version or 0))


# L3 follow-up answers ------------------------------------------------------------------------------

APPLIED = ("yes", "partly", "no")
FREQUENCIES = ("daily", "weekly", "monthly", "rarely", "never")
NO_ANSWER = "no answer"


@dataclass(frozen=True)
class FollowUpRow:
    organisation_id: int | None
    organisation: str
    question: str  # applied | frequency | barrier
    answer: str
    answered: int | Suppressed  # follow-ups answered in the organisation
    count: int | Suppressed
    share: Figure  # count / answered


FOLLOW_UP_COLUMNS = ("organisation", "question", "answer", "answered", "count", "share")


def follow_up_answers(session: Session, scope: Scope, filters: Filters = NO_FILTERS, k: int = DEFAULT_K
                      ) -> Table[FollowUpRow]:
    """The answered behaviour follow-ups, per organisation: have they applied it (yes / partly / no),
    how often, and the barriers named (several may be named, so those shares need not add up).

    An organisation with fewer than ``k`` answers shows nothing but "fewer than K". Within one, the
    applied and frequency answers partition the answers (a missing answer is its own "no answer"
    group), so a lone hidden answer takes the next smallest with it; a barrier named by fewer than
    ``k`` is hidden. No all-organisations row. Two statements; one row per answered follow-up is
    read, as the barriers are a JSON list no database groups the same way.
    """
    base = select(FollowUp.organisation_id).where(FollowUp.answered_at.is_not(None),
                                                  in_scope(FollowUp.country_id, scope),
                                                  people_filter(FollowUp.user_id, filters))
    if filters.organisation_id is not None:
        base = base.where(FollowUp.organisation_id == filters.organisation_id)
    answers: dict[int | None, dict[str, Counter]] = {}
    for org_id, applied, frequency, barriers in session.execute(
            base.add_columns(FollowUp.applied, FollowUp.frequency, FollowUp.barriers)):
        entry = answers.setdefault(org_id, {"applied": Counter(), "frequency": Counter(),
                                            "barrier": Counter()})
        entry["applied"][applied or NO_ANSWER] += 1
        entry["frequency"][frequency or NO_ANSWER] += 1
        entry["barrier"].update(set(barriers or []))
    names = dict(session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(sorted(o for o in answers if o is not None)))).all()) if answers else {}
    out: list[FollowUpRow] = []
    for org_id in sorted(answers, key=lambda o: (o is None, names.get(o, ""))):
        entry, org = answers[org_id], names.get(org_id, "No organisation")
        answered = sum(entry["applied"].values())
        too_few = answered < k
        for question, choices in (("applied", APPLIED), ("frequency", FREQUENCIES)):
            counts = {choice: entry[question].get(choice, 0) for choice in choices}
            counts.update({a: n for a, n in entry[question].items() if a not in counts})
            hidden, _total_hidden = hidden_groups(counts, k)
            for choice, n in counts.items():
                if choice == NO_ANSWER and n == 0:
                    continue
                hide = too_few or choice in hidden
                out.append(FollowUpRow(org_id, org, question, choice, count_cell(answered, k),
                                       count_cell(n, k, hide), shown(ratio(n, answered), n, k, hide)))
        for barrier, n in sorted(entry["barrier"].items(), key=lambda item: (-item[1], item[0])):
            out.append(FollowUpRow(org_id, org, "barrier", barrier, count_cell(answered, k),
                                   count_cell(n, k, too_few), shown(ratio(n, answered), n, k, too_few)))
    return Table("follow-ups", FOLLOW_UP_COLUMNS, out, k)
