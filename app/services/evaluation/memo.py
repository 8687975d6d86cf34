"""Sums that more than one table reads, read once: the heatmap, the level distribution and the assets
group the same results (each official's latest), the change by organisation and by role profile the
same pairs. A page builds its tables one after the other in one session; the first that needs the
sums reads them, the others take them from the session (``session.info``), so the page groups those
rows once. No Flask.

What is kept is forgotten as soon as the session writes anything or its transaction ends (commit,
rollback), and is not used while it holds changes not yet flushed: a table never reads sums older
than the data it would see itself.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
_MEMO = "evaluation.memo"


def once(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned for ``key`` earlier in this session while nothing changed."""
    if session.new or session.dirty or session.deleted:  # the next statement would flush them first
        session.info.pop(_MEMO, None)
        return compute()
    memo = session.info.setdefault(_MEMO, {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def peek(session: Session, key: Hashable) -> object | None:
    """What ``once`` kept for ``key``, or None (nothing kept, or changes not yet flushed)."""
    if session.new or session.dirty or session.deleted:
        return None
    return session.info.get(_MEMO, {}).get(key)


def forget(session: Session) -> None:
    """Forget what was kept (a request's end: production closes its session, the tests keep theirs)."""
    session.info.pop(_MEMO, None)


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, *_args: object) -> None:
    forget(session)
