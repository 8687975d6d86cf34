"""Kirkpatrick level 1 (reaction: feedback on resources and paths) and level 3 (behaviour: the
follow-up survey some weeks after an official completes a path).

Every count, mean and share is released (app.services.evaluation.release), keyed by the feedback or
follow-ups behind it; the resource, path, question and answer columns are plain."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import String, case, cast, func, select
from sqlalchemy.orm import Session

from app.models import CoursePath, Feedback, FollowUp, PathVersion, Resource, User
from app.services.evaluation.common import (
    DEFAULT_K,
    NO_FILTERS,
    Figure,
    Filters,
    Scope,
    Suppressed,
    Table,
    in_scope,
    key,
    organisation_names,
    people_filter,
)
from app.services.evaluation.release import Bounds, Release, as_release, share_of

POOR_RATING = 3  # a mean rating below this, over at least k responses, flags the item for curators
RATING = Bounds(1.0, 5.0)  # ratings and relevance are 1-5


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
FEEDBACK_PLAIN = ("kind", "code", "title", "version", "flagged")  # flagged: from the released mean


def resource_feedback(session: Session, scope: Scope, filters: Filters = NO_FILTERS,
                      k: int | Release = DEFAULT_K) -> Table[FeedbackRow]:
    """Feedback given on each resource by officials the viewer may see (their country), worst rated
    first. A resource is **flagged** when its mean rating as released is below 3: under ``k``
    responses every figure is hidden, and too few to judge it by. One statement."""
    release = as_release(k)
    stmt = (select(Resource.id, Resource.code, Resource.title, *_aggregates())
            .select_from(Feedback)
            .join(Resource, Resource.id == Feedback.resource_id)
            .group_by(Resource.id, Resource.code, Resource.title))
    found = [(row[0], row[1], row[2], None, *row[3:]) for row in session.execute(_narrowed(stmt, scope,
                                                                                          filters))]
    return Table("resource-feedback", FEEDBACK_COLUMNS, _feedback_rows("resource", found, release),
                 release.k, plain=FEEDBACK_PLAIN)


def path_feedback(session: Session, scope: Scope, filters: Filters = NO_FILTERS,
                  k: int | Release = DEFAULT_K) -> Table[FeedbackRow]:
    """Feedback on each path version, the same way as ``resource_feedback``. One statement."""
    release = as_release(k)
    stmt = (select(PathVersion.id, CoursePath.code, PathVersion.title, PathVersion.version, *_aggregates())
            .select_from(Feedback)
            .join(PathVersion, PathVersion.id == Feedback.path_version_id)
            .join(CoursePath, CoursePath.id == PathVersion.path_id)
            .group_by(PathVersion.id, CoursePath.code, PathVersion.title, PathVersion.version))
    found = [tuple(row) for row in session.execute(_narrowed(stmt, scope, filters))]
    return Table("path-feedback", FEEDBACK_COLUMNS, _feedback_rows("path", found, release), release.k,
                 plain=FEEDBACK_PLAIN)


def _aggregates():
    recommends = Feedback.would_recommend.is_(True)
    return (func.count(), func.sum(Feedback.rating), func.sum(Feedback.relevance),
            func.sum(case((recommends, 1), else_=0)), key(Feedback.id), key(Feedback.id, recommends))


def _narrowed(stmt, scope: Scope, filters: Filters):
    stmt = stmt.join(User, User.id == Feedback.user_id).where(in_scope(User.country_id, scope),
                                                             people_filter(User.id, filters))
    if filters.organisation_id is not None:
        stmt = stmt.where(User.organisation_id == filters.organisation_id)
    return stmt


def _feedback_rows(kind: str, found, release: Release) -> list[FeedbackRow]:
    out = []
    for target_id, code, title, version, n, rating, relevance, recommend, key_n, key_recommend in found:
        n, key_n = int(n), int(key_n)
        mean_rating = release.mean(float(rating), n, key_n, "feedback:rating", RATING)
        out.append(FeedbackRow(kind, target_id, code, title, version, release.count(n, key_n, "feedback"),
                               mean_rating,
                               release.mean(float(relevance), n, key_n, "feedback:relevance", RATING),
                               release.share(int(recommend), n, key_n, int(key_recommend), "feedback"),
                               flagged=isinstance(mean_rating, float) and mean_rating < POOR_RATING))
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
    share: Figure  # count / answered, both as released


FOLLOW_UP_COLUMNS = ("organisation", "question", "answer", "answered", "count", "share")


def follow_up_answers(session: Session, scope: Scope, filters: Filters = NO_FILTERS,
                      k: int | Release = DEFAULT_K) -> Table[FollowUpRow]:
    """The answered behaviour follow-ups, per organisation: have they applied it (yes / partly / no),
    how often, and the barriers named (several may be named, so those shares need not add up).

    An organisation with fewer than ``k`` answers shows nothing but "fewer than K". Within one, each
    answer (a missing one is its own "no answer") and each barrier named by fewer than ``k`` is
    hidden; the others are released counts keyed by their follow-ups, so the answers less the counts
    shown do not give a hidden one. A share is the released count over the released answers (a
    hidden count hides its share). No all-organisations row. Two statements: the follow-ups are
    grouped by organisation and way of answering (the barriers as the JSON text of their list), and
    the barriers of each way added up here.
    """
    release = as_release(k)
    barriers_text = cast(FollowUp.barriers, String)  # PostgreSQL's json has no equality to group by
    grouped = (select(FollowUp.organisation_id, FollowUp.applied, FollowUp.frequency, barriers_text,
                      func.count(), key(FollowUp.id))
               .where(FollowUp.answered_at.is_not(None), in_scope(FollowUp.country_id, scope),
                      people_filter(FollowUp.user_id, filters))
               .group_by(FollowUp.organisation_id, FollowUp.applied, FollowUp.frequency, barriers_text))
    if filters.organisation_id is not None:
        grouped = grouped.where(FollowUp.organisation_id == filters.organisation_id)
    answers: dict[int | None, dict[str, Counter]] = {}
    for org_id, applied, frequency, barriers, n, ids in session.execute(grouped):
        entry = answers.setdefault(org_id, {"applied": Counter(), "frequency": Counter(),
                                            "barrier": Counter(), "key": Counter()})
        entry["key"][None] += ids  # the key of a set of follow-ups: the sum of their ids
        for question, answer in (("applied", applied or NO_ANSWER), ("frequency", frequency or NO_ANSWER),
                                 *(("barrier", barrier) for barrier in _named(barriers))):
            entry[question][answer] += n
            entry["key"][(question, answer)] += ids
    names = organisation_names(session, scope) if answers else {}
    out: list[FollowUpRow] = []
    for org_id in sorted(answers, key=lambda o: (o is None, names.get(o, ""))):
        entry, org = answers[org_id], names.get(org_id, "No organisation")
        answered = release.count(sum(entry["applied"].values()), entry["key"][None], "follow-ups")
        made = []
        for question, answer, n in _answer_counts(entry):
            count = release.count(n, entry["key"][(question, answer)], "follow-ups")
            if isinstance(answered, Suppressed):  # too few answers: nothing about any of them
                count = answered
            share = share_of(count, answered)
            made.append(FollowUpRow(org_id, org, question, answer, answered, count, share))
        # Barriers most named first, by the counts as released (the exact order would tell more).
        out.extend(sorted(made, key=_barriers_by_count))
    return Table("follow-ups", FOLLOW_UP_COLUMNS, out, release.k,
                 plain=("organisation", "question", "answer"))


def _named(barriers: str | None) -> set[str]:
    """The barriers of a follow-up from the JSON text of their list, each once."""
    try:
        found = json.loads(barriers) if barriers else []
    except ValueError:
        return set()
    return {barrier for barrier in found if isinstance(barrier, str)} if isinstance(found, list) else set()


def _barriers_by_count(row: FollowUpRow) -> tuple[int, int, str]:
    """Sort key: the applied and frequency rows as they come, then the barriers, hidden ones last."""
    if row.question != "barrier":
        return (0, 0, "")
    return (1, -row.count if isinstance(row.count, int) else 1, row.answer)


def _answer_counts(entry: dict[str, Counter]) -> list[tuple[str, str, int]]:
    """(question, answer, follow-ups): the applied and frequency choices in order (an unlisted answer
    after them, "no answer" only when there is one), then the barriers named."""
    out = []
    for question, choices in (("applied", APPLIED), ("frequency", FREQUENCIES)):
        counts = {choice: entry[question].get(choice, 0) for choice in choices}
        counts.update({a: n for a, n in entry[question].items() if a not in counts})
        out.extend((question, choice, n) for choice, n in counts.items() if choice != NO_ANSWER or n)
    out.extend(("barrier", barrier, n) for barrier, n in entry["barrier"].items())
    return out
