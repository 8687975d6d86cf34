"""A signed-in user's own account: their name, the languages they learn in, the e-mails they want, and
their password. Every input is checked first and every problem reported at once (ManyProblems); then
the change is written and audited, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.models import User
from app.services import accounts, audit, passwords
from app.services.audit import Actor
from app.services.errors import ManyProblems, ValidationFailed

NAME_MAX = 200


@dataclass(frozen=True)
class Details:
    name: str
    languages: Sequence[str]  # most preferred first; empty: as answered in the latest assessment
    email_reminders: bool
    email_follow_ups: bool


def update_details(session: Session, actor: Actor, user: User, details: Details,
                   known_languages: Collection[str]) -> list[str]:
    """Change ``user``'s name, learning languages and e-mail choices; the names of the fields that
    changed (audited as ``account.details_changed``, without the values). Raises ManyProblems."""
    problems = []
    name = " ".join(details.name.split())
    if not name:
        problems.append(ValidationFailed("Enter your name", field="name"))
    elif len(name) > NAME_MAX:
        problems.append(ValidationFailed(f"Enter a name of {NAME_MAX} characters or fewer", field="name"))
    unknown = [code for code in details.languages if code not in known_languages]
    if unknown:
        problems.append(ValidationFailed("Choose your languages from the list", field="languages"))
    if problems:
        raise ManyProblems(problems)
    languages = list(dict.fromkeys(details.languages)) or None
    wanted = {"name": name, "learning_languages": languages, "email_reminders": details.email_reminders,
              "email_follow_ups": details.email_follow_ups}
    changed = [field for field, value in wanted.items() if getattr(user, field) != value]
    for field in changed:
        setattr(user, field, wanted[field])
    if changed:
        audit.record(session, actor, "account.details_changed", user, country_id=user.country_id,
                     details={"changed": changed})
    return changed


def change_password(session: Session, actor: Actor, user: User, *, current: str, new: str,
                    confirm: str) -> None:
    """Set ``user``'s new password once their current one is given: every other session of theirs
    ends (the caller signs this one in again). Audited as ``account.password_changed``. Raises
    ManyProblems, each problem on its field (current_password, new_password, confirm)."""
    problems = []
    if not current:
        problems.append(ValidationFailed("Enter your current password", field="current_password"))
    elif not passwords.verify(user.password_hash, current):
        problems.append(ValidationFailed("Your current password is not right: check it and try again",
                                         field="current_password"))
    if not new:
        problems.append(ValidationFailed("Enter a new password", field="new_password"))
    else:
        try:
            passwords.check_rules(new, user.email)
        except ValidationFailed as exc:
            problems.append(ValidationFailed(str(exc), field="new_password"))
        if current and new == current:
            problems.append(ValidationFailed("Choose a new password different from your current one",
                                             field="new_password"))
    if not confirm:
        problems.append(ValidationFailed("Enter the new password again", field="confirm"))
    elif new and confirm != new:
        problems.append(ValidationFailed("The two new passwords are not the same", field="confirm"))
    if problems:
        raise ManyProblems(problems)
    accounts.set_password(session, user, new)
    audit.record(session, actor, "account.password_changed", user, country_id=user.country_id)
