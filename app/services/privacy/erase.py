"""Erasing a person: everything that says who they were goes; what figures count stays, de-identified.

One transaction in the caller's session: a crash before the commit leaves everything as it was, and
erasing again finishes the work. Erasing an account already erased changes nothing (``Erased.changed``
is 0 and no audit event is written). Evidence files are deleted before the caller commits: if the
commit then fails, the files were to go anyway and the rerun finds none left.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from app.models import Answer, Attempt, Item, Role, User
from app.services import audit
from app.services.audit import Actor
from app.services.errors import ValidationFailed
from app.services.privacy import registry
from app.services.privacy.registry import Erasure
from app.services.privacy.rows import Scrubber, owned, table


@dataclass
class Erased:
    user_id: int
    changes: Counter[str] = field(default_factory=Counter)  # "table.column" or "table (deleted)" -> rows
    files: int = 0

    @property
    def changed(self) -> int:
        return sum(self.changes.values()) + self.files


def erase(session: Session, actor: Actor, user: User, *, evidence_dir: Path | None) -> Erased:
    """Erase ``user``'s personal data following the registry, in the caller's transaction.

    Raises ValidationFailed for the actor's own account and for the last active admin.
    """
    _refuse(session, actor, user)
    session.flush()
    result = Erased(user.id)
    scrub = None if _is_erased(user) else Scrubber(user.email, user.name)
    for name, declared in registry.TABLES.items():
        if name == "users":
            continue  # last: the scrubber needs the name and e-mail until the end
        _erase_table(session, name, declared, user.id, result)
        if scrub is not None:
            _scrub_table(session, name, declared, scrub, result)
    _blank_text_answers(session, user.id, result)
    _erase_table(session, "users", registry.TABLES["users"], user.id, result)
    result.files = _delete_files(evidence_dir, user.id)
    session.expire_all()
    if result.changed:
        audit.record(session, actor, "privacy.erase", session.get(User, result.user_id),
                     details={"rows": dict(sorted(result.changes.items())), "files": result.files})
    return result


def _is_erased(user: User) -> bool:
    return user.email == registry.erased_email(user.id)


def _refuse(session: Session, actor: Actor, user: User) -> None:
    if actor.user is not None and actor.user.id == user.id:
        raise ValidationFailed("You cannot erase your own account")
    if user.role == Role.ADMIN and user.active:
        others = session.scalar(select(User.id).where(User.role == Role.ADMIN, User.active,
                                                      User.id != user.id).limit(1))
        if others is None:
            raise ValidationFailed("This is the last active admin: make another admin first")


def _erase_table(session: Session, name: str, declared: registry.Table, user_id: int,
                 result: Erased) -> None:
    sql = table(name)
    if declared.delete_rows:
        deleted = session.execute(delete(sql).where(owned(name, user_id))).rowcount
        if deleted:
            result.changes[f"{name} (deleted)"] += deleted
        return
    for column_name in declared.of(Erasure.CLEAR):
        cleared = session.execute(update(sql).where(sql.c[column_name] == user_id)
                                  .values({column_name: None})).rowcount
        if cleared:
            result.changes[f"{name}.{column_name}"] += cleared
    for column_name, column in declared.of(Erasure.ANONYMISE).items():
        if name == "answers":
            continue  # only free-text answers: _blank_text_answers
        value = column.value(user_id) if callable(column.value) else column.value
        target = sql.c[column_name]
        differs = target.is_not(None) if value is None else or_(target.is_(None), target != value)
        changed = session.execute(update(sql).where(owned(name, user_id), differs)
                                  .values({column_name: value})).rowcount
        if changed:
            result.changes[f"{name}.{column_name}"] += changed


def _scrub_table(session: Session, name: str, declared: registry.Table, scrub: Scrubber,
                 result: Erased) -> None:
    """Cut the person out of the table's SCRUB columns, row by row (JSON cannot be searched portably)."""
    columns = list(declared.of(Erasure.SCRUB))
    if not columns:
        return
    sql = table(name)
    (key,) = sql.primary_key.columns
    rows = session.execute(select(key, *(sql.c[c] for c in columns)).execution_options(yield_per=1000))
    changed_rows = []
    for row in rows:
        values = {c: scrub(getattr(row, c)) for c in columns}
        changed = {c: v for c, v in values.items() if v != getattr(row, c)}
        if changed:
            changed_rows.append((row[0], changed))
    for row_id, changed in changed_rows:
        session.execute(update(sql).where(key == row_id).values(changed))
        for column_name in changed:
            result.changes[f"{name}.{column_name}"] += 1


def _blank_text_answers(session: Session, user_id: int, result: Erased) -> None:
    """Free-text answers may say anything about the person; option values and numbers are kept."""
    answers = session.scalars(
        select(Answer).join(Attempt, Attempt.id == Answer.attempt_id).join(Item, Item.id == Answer.item_id)
        .where(Attempt.user_id == user_id, Item.input == "text"))
    for answer in answers:
        if answer.value not in ("", None):
            answer.value = ""
            result.changes["answers.value"] += 1
    session.flush()


def _delete_files(evidence_dir: Path | None, user_id: int) -> int:
    if evidence_dir is None:
        return 0
    folder = evidence_dir / str(user_id)
    if not folder.is_dir():
        return 0
    count = sum(1 for path in folder.rglob("*") if path.is_file())
    shutil.rmtree(folder)
    return count
