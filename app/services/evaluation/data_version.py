"""The data versions: numbers in the database that every change to what the dashboards show moves.

Two of them. The results version (``RESULTS``): an attempt's submission, a campaign closed early, a
content sync and bulk imports call ``bump`` in their own transaction, and any flush that adds, changes
or deletes a row the dashboards count does too (``WATCHED``). The learning version (``LEARNING``):
any flush that changes officials' learning (plans, progress, enrolments, feedback, follow-ups:
``LEARNING_TABLES``), which officials do all day, so it moves only the tables about learning and
leaves every other page's figures cached. Each moves exactly when (and only if) that transaction
commits. The dashboards cache their tables and charts keyed by ``current`` (app.dashboard.cache): a
key of an older version is never read again, on any app instance, since every instance reads the
numbers from the same database.

A campaign's window also ends (or opens) without anyone writing anything; ``current`` therefore also
gives how many campaigns have opened and how many have reached their closing time, so the key moves
at that moment too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, event, func, select, update
from sqlalchemy.orm import Session, scoped_session

from app.models import Campaign
from app.models.evaluation import data_versions

RESULTS, LEARNING = 1, 2  # the rows of data_versions
_BUMPED = "data_version.bumped_in"  # session.info: per version, the transaction that has moved it


@dataclass(frozen=True)
class DataVersion:
    """What the dashboards' figures depend on besides the request: the data versions and the set of
    campaign windows (how many have opened, how many have reached their closing time)."""

    version: int  # results
    opened: int
    ended: int
    learning: int = 0

    @property
    def token(self) -> str:
        """For figures that do not count learning."""
        return f"{self.version}.{self.opened}.{self.ended}"

    @property
    def with_learning(self) -> str:
        """For figures that count learning (plans, progress, enrolments, feedback, follow-ups)."""
        return f"{self.version}.{self.learning}.{self.opened}.{self.ended}"


def bump(session: Session, which: int = RESULTS) -> None:
    """Move a data version, in the caller's transaction (it counts once that commits), once per
    transaction however often it is called. On PostgreSQL the row stays locked until then: concurrent
    submissions queue on it for the length of their commit only."""
    if isinstance(session, scoped_session):
        session = session()  # the session itself: its transaction is what "once" is counted by
    transaction = session.get_transaction()
    moved = session.info.setdefault(_BUMPED, {})
    if transaction is not None and moved.get(which) is transaction:
        return
    moved[which] = transaction
    session.execute(update(data_versions).where(data_versions.c.id == which)
                    .values(version=data_versions.c.version + 1))


# Tables whose rows the dashboards count: a flush that adds, changes or deletes one of their rows moves
# the version (once per transaction). Attempts only when one is added or deleted: autosave changes an
# attempt on every answer, and the figures move with its submission (``bump`` there). Users are left
# out (every sign-in writes one); a user's organisation or role moving is rare enough to wait for the
# cache's timeout (CACHE_DEFAULT_TIMEOUT).
WATCHED = frozenset({
    "attempts", "competency_results", "result_history", "organisation_assessments", "campaigns",
    "campaign_organisations", "invitations", "resources", "resource_competencies", "course_paths",
    "path_versions", "indicators", "indicator_values", "organisations", "countries", "role_profiles"})
LEARNING_TABLES = frozenset({"learning_plans", "plan_items", "enrolments", "progress", "feedback",
                             "follow_ups"})
_ADDED_ONLY = frozenset({"attempts"})


@event.listens_for(Session, "before_flush")
def _bump_on_change(session: Session, _context, _instances) -> None:
    if session.get_transaction() is None:
        return
    changed = [*session.new, *session.deleted,
               *(obj for obj in session.dirty if session.is_modified(obj, include_collections=False))]
    tables = {getattr(obj, "__tablename__", None) for obj in changed
              if getattr(obj, "__tablename__", None) not in _ADDED_ONLY
              or obj in session.new or obj in session.deleted}
    if tables & WATCHED:
        bump(session, RESULTS)
    if tables & LEARNING_TABLES:
        bump(session, LEARNING)


def current(session: Session, now: datetime) -> DataVersion:
    """The data versions and the campaign windows at ``now``. One statement."""
    windows = (select(func.coalesce(func.sum(case((Campaign.opens_at <= now, 1), else_=0)), 0),
                      func.coalesce(func.sum(case((Campaign.closes_at <= now, 1), else_=0)), 0))
               .subquery("windows"))

    def version(which: int):
        return func.coalesce(select(data_versions.c.version).where(data_versions.c.id == which)
                             .scalar_subquery(), 0)

    results, learning, opened, ended = session.execute(
        select(version(RESULTS), version(LEARNING), windows.c[0], windows.c[1])).one()
    return DataVersion(int(results), int(opened), int(ended), int(learning))
