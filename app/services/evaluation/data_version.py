"""The data version: one number in the database that every change to what the dashboards show moves.

An attempt's submission, a campaign closed early, a content sync and bulk imports call ``bump`` in
their own transaction, and any flush that adds, changes or deletes a row the dashboards count does too
(``WATCHED``), so the number moves exactly when (and only if) that transaction commits. The dashboards
cache their tables and charts keyed by ``current`` (app.dashboard.cache): a key of an older version is
never read again, on any app instance, since every instance reads the number from the same database.

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

_BUMPED = "data_version.bumped_in"  # session.info: the transaction that has moved the version


@dataclass(frozen=True)
class DataVersion:
    """What the dashboards' figures depend on besides the request: the data version and the set of
    campaign windows (how many have opened, how many have reached their closing time)."""

    version: int
    opened: int
    ended: int

    @property
    def token(self) -> str:
        return f"{self.version}.{self.opened}.{self.ended}"


def bump(session: Session) -> None:
    """Move the data version, in the caller's transaction (it counts once that commits), once per
    transaction however often it is called. On PostgreSQL the row stays locked until then: concurrent
    submissions queue on it for the length of their commit only."""
    if isinstance(session, scoped_session):
        session = session()  # the session itself: its transaction is what "once" is counted by
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_BUMPED) is transaction:
        return
    session.info[_BUMPED] = transaction
    session.execute(update(data_versions).where(data_versions.c.id == 1)
                    .values(version=data_versions.c.version + 1))


# Tables whose rows the dashboards count: a flush that adds, changes or deletes one of their rows moves
# the version (once per transaction). Attempts only when one is added or deleted: autosave changes an
# attempt on every answer, and the figures move with its submission (``bump`` there). Users are left
# out (every sign-in writes one); a user's organisation or role moving is rare enough to wait for the
# cache's timeout (CACHE_DEFAULT_TIMEOUT).
WATCHED = frozenset({
    "attempts", "competency_results", "result_history", "organisation_assessments", "campaigns",
    "campaign_organisations", "invitations", "resources", "resource_competencies", "course_paths",
    "path_versions", "follow_ups", "indicators", "indicator_values", "learning_plans", "plan_items",
    "enrolments", "progress", "feedback", "organisations", "countries", "role_profiles"})
_ADDED_ONLY = frozenset({"attempts"})


@event.listens_for(Session, "before_flush")
def _bump_on_change(session: Session, _context, _instances) -> None:
    transaction = session.get_transaction()
    if transaction is None or session.info.get(_BUMPED) is transaction:
        return
    changed = [*session.new, *session.deleted,
               *(obj for obj in session.dirty if session.is_modified(obj, include_collections=False))]
    for obj in changed:
        table = getattr(obj, "__tablename__", None)
        if table in WATCHED and (table not in _ADDED_ONLY or obj in session.new or obj in session.deleted):
            bump(session)
            return


def current(session: Session, now: datetime) -> DataVersion:
    """The data version and the campaign windows at ``now``. One statement."""
    windows = (select(func.coalesce(func.sum(case((Campaign.opens_at <= now, 1), else_=0)), 0),
                      func.coalesce(func.sum(case((Campaign.closes_at <= now, 1), else_=0)), 0))
               .subquery("windows"))
    version = select(data_versions.c.version).where(data_versions.c.id == 1).scalar_subquery()
    found, opened, ended = session.execute(
        select(func.coalesce(version, 0), windows.c[0], windows.c[1])).one()
    return DataVersion(int(found), int(opened), int(ended))
