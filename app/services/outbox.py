"""Background jobs written in the transaction that needs them, and started only once it has committed.

``add`` puts a Job row in the caller's session, so it is part of the caller's transaction: when that
transaction rolls back, the row goes with everything else and nothing is ever sent about work that did
not happen. When it commits, the job's id moves to a list that ``take_committed`` hands over; the web
layer (app.jobs.start_committed, after each request) starts those jobs, on RQ or inline. A job that is
committed but never started (the process died in between) stays "queued" in the jobs table.
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.models import Job

_PENDING = "outbox.pending"  # Job objects added in the current transaction
_COMMITTED = "outbox.committed"  # ids of jobs whose transaction has committed


def add(session: Session, job: Job) -> Job:
    """Add ``job`` to the session's transaction; it is started after, and only if, that commits."""
    session.add(job)
    session.info.setdefault(_PENDING, []).append(job)
    return job


@event.listens_for(Session, "after_commit")  # every session, whatever its sessionmaker; cheap when idle
def _after_commit(session: Session) -> None:
    if _PENDING not in session.info:
        return
    committed = session.info.setdefault(_COMMITTED, [])
    for job in session.info.pop(_PENDING, []):
        state = inspect(job)
        # A job whose transaction rolled back earlier is transient again: it was never written.
        if state.persistent and state.identity is not None:
            committed.append(state.identity[0])


def take_committed(session: Session) -> list[int]:
    """The ids of jobs added through ``add`` whose transaction has committed since the last call."""
    return session.info.pop(_COMMITTED, [])
