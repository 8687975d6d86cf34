"""Files on disk that follow a database transaction: a file the transaction writes goes if it does not
commit, and a file it stops naming is deleted only once it has committed. So a failed request never leaves
a row naming a deleted file, nor an unnamed file behind.

Both lists live in ``session.info`` and are settled by the session events below, like app.services.outbox.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

_WRITTEN = "stored_files.written"  # files written in the current transaction
_REPLACED = "stored_files.replaced"  # files to delete once the current transaction commits


def write(session: Session, path: Path, content: bytes) -> None:
    """Write ``path``; it is removed again unless the session's transaction commits."""
    session.info.setdefault(_WRITTEN, []).append(path)
    path.write_bytes(content)


def delete_after_commit(session: Session, path: Path) -> None:
    """Delete ``path`` once, and only if, the session's transaction commits."""
    session.info.setdefault(_REPLACED, []).append(path)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:  # the commit stands; an unremovable file is only wasted space
            log.exception("could not remove %s", path)


@event.listens_for(Session, "after_commit")  # every session; cheap when there are no files
def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    _remove(session.info.pop(_REPLACED, []))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # Reached after a commit too, but then _after_commit has already emptied both lists.
    if transaction.parent is None:
        session.info.pop(_REPLACED, None)
        _remove(session.info.pop(_WRITTEN, []))
