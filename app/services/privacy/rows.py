"""Which rows of a table are a person's, following the registry: by its owner column or through its parent."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Table, false, or_, select

from app.models import Base
from app.services.privacy import registry
from app.services.privacy.registry import REDACTED


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def owned(name: str, user_id: int) -> ColumnElement[bool]:
    """The rows of table ``name`` that are the person's own (found by owner column or parent)."""
    declared = registry.TABLES[name]
    sql = table(name)
    if declared.owner is not None:
        return sql.c[declared.owner] == user_id
    if declared.parent is not None:
        foreign_key, parent = declared.parent
        parent_sql = table(parent)
        (parent_key,) = parent_sql.primary_key.columns
        return sql.c[foreign_key].in_(select(parent_key).where(owned(parent, user_id)))
    return false()


def referencing(name: str, user_id: int) -> ColumnElement[bool]:
    """What a person's export holds of table ``name``: their own rows and, in tables without an owner,
    the rows that name them in any column referencing users (what they created, decided, recorded)."""
    declared = registry.TABLES[name]
    if declared.owner is not None or declared.parent is not None:
        return owned(name, user_id)
    sql = table(name)
    references = [column == user_id for column in sql.columns
                  if any(fk.target_fullname == "users.id" for fk in column.foreign_keys)]
    if name == "audit_events":  # and what was done to their account
        references.append((sql.c.object_type == "User") & (sql.c.object_id == str(user_id)))
    return or_(*references) if references else false()


class Scrubber:
    """Cuts a person's e-mail and name out of text and JSON, wherever they occur (case does not matter)."""

    def __init__(self, email: str, name: str) -> None:
        patterns = [re.escape(email)]
        if len(name.strip()) >= 2:
            # Whole words only: erasing "Ana" leaves "Anabel" alone, and "Official 1" leaves "Official 10".
            patterns.append(r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"(?!\w)")
        self._pattern = re.compile("|".join(patterns), re.IGNORECASE)

    def found_in(self, value: Any) -> bool:
        return self(value) != value

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._pattern.sub(REDACTED, value)
        if isinstance(value, list):
            return [self(item) for item in value]
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        return value
