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


class Committed:
    """Rows added in a transaction whose ids are handed over once, and only if, it commits: the one
    bookkeeping behind the jobs here and the e-mail of app.services.mail_outbox."""

    _all: list[Committed] = []

    def __init__(self, name: str) -> None:
        self.pending, self.committed = f"{name}.pending", f"{name}.committed"
        Committed._all.append(self)

    def add(self, session: Session, row: object) -> None:
        session.add(row)
        session.info.setdefault(self.pending, []).append(row)

    def take(self, session: Session) -> list[int]:
        """The ids of rows added through ``add`` whose transaction has committed since the last call."""
        return session.info.pop(self.committed, [])

    def settle(self, session: Session) -> None:
        if self.pending not in session.info:
            return
        committed = session.info.setdefault(self.committed, [])
        for row in session.info.pop(self.pending, []):
            state = inspect(row)
            # A row whose transaction rolled back earlier is transient again: it was never written.
            if state.persistent and state.identity is not None:
                committed.append(state.identity[0])


@event.listens_for(Session, "after_commit")  # every session, whatever its sessionmaker; cheap when idle
def _after_commit(session: Session) -> None:
    for tracker in Committed._all:
        tracker.settle(session)


_JOBS = Committed("outbox.jobs")


def add(session: Session, job: Job) -> Job:
    """Add ``job`` to the session's transaction; it is started after, and only if, that commits."""
    _JOBS.add(session, job)
    return job


def take_committed(session: Session) -> list[int]:
    """The ids of jobs added through ``add`` whose transaction has committed since the last call."""
    return _JOBS.take(session)
