"""The optional ``manager email`` column of an invitation file: each official's line manager.

A row's manager must be, once the file is imported, an active account in the same organisation as
the official: either an existing account, or another good row of the same file. The organisation
that counts is the account's own when the person has an account already, else the row's. Bad
managers are reported like every other problem, by row and field (``manager_email``); importing sets
``User.manager_id`` with the rest, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import User
from app.services import accounts
from app.services.errors import ValidationFailed

FIELD = "manager_email"
CHUNK = 1000
Refuse = Callable[[int, str, str], None]


@dataclass(frozen=True)
class _Person:
    id: int
    organisation_id: int | None
    active: bool


def read(number: int, record: dict[str, str], email: str | None, refuse: Refuse) -> str | None:
    """The row's manager address, normalised; None when the cell is blank or refused."""
    text = record.get(FIELD, "")
    if not text:
        return None
    try:
        manager = accounts.normalise_email(text)
    except ValidationFailed as exc:
        refuse(number, FIELD, f"{text!r} is not a valid address ({exc})")
        return None
    if manager == email:
        refuse(number, FIELD, f"{manager} is the row's own address: an official cannot be their own "
                              "manager")
        return None
    return manager


def _people(session: Session, emails: Iterable[str]) -> dict[str, _Person]:
    emails = sorted(set(emails))
    found: dict[str, _Person] = {}
    for start in range(0, len(emails), CHUNK):
        for email, *rest in session.execute(
            select(User.email, User.id, User.organisation_id, User.active)
            .where(User.email.in_(emails[start:start + CHUNK]))
        ):
            found[email] = _Person(*rest)
    return found


def _problem(row: dict[str, Any], good: dict[str, dict[str, Any]], in_file: dict[str, int],
             people: dict[str, _Person]) -> str | None:
    manager = row[FIELD]
    own = people[row["email"]].organisation_id if row["email"] in people else row["organisation_id"]
    account = people.get(manager)
    if manager in good:
        theirs = account.organisation_id if account else good[manager]["organisation_id"]
        if theirs == own:
            return None
        return f"{manager} (row {good[manager]['row']}) is not in the same organisation as this official"
    if account is not None and account.active and account.organisation_id == own:
        return None
    if manager in in_file:
        return f"{manager} is on row {in_file[manager]}, which has problems: correct that row too"
    if account is None:
        return f"{manager} is neither an account in this official's organisation nor a row of this file"
    if not account.active:
        return f"{manager} belongs to a deactivated account"
    return f"{manager} belongs to an account in another organisation"


def check(session: Session, rows: list[dict[str, Any]], in_file: dict[str, int],
          refuse: Refuse) -> list[dict[str, Any]]:
    """The rows (checked otherwise) whose manager, if they name one, is acceptable; ``refuse`` the
    others. ``in_file`` maps every address of the file to its row. A row whose manager is refused
    may be another row's manager: that row is refused in turn."""
    managed = [row for row in rows if row.get(FIELD)]
    if not managed:
        return rows
    people = _people(session, [row["email"] for row in managed] + [row[FIELD] for row in managed])
    good = {row["email"]: row for row in rows}
    changed = True
    while changed:
        changed = False
        for row in managed:
            if row["email"] not in good:
                continue
            problem = _problem(row, good, in_file, people)
            if problem:
                refuse(row["row"], FIELD, problem)
                del good[row["email"]]
                changed = True
    return [row for row in rows if row["email"] in good]


def problems(session: Session, rows: list[dict[str, Any]]) -> list[str]:
    """Before importing: "row N: reason" for each row whose manager has turned bad since the check."""
    found: list[str] = []
    check(session, rows, {row["email"]: row["row"] for row in rows},
          lambda number, _field, reason: found.append(f"row {number}: {reason}"))
    return found
