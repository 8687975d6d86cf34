"""What a user may see. Every country-owned query goes through ``scoped``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false
from sqlalchemy.orm import InstrumentedAttribute

from app.models import Role, User

ALL = None  # visible_country_ids() answer for "every country"


def visible_country_ids(user: User) -> frozenset[int] | None:
    """The ids of the countries ``user`` may see, or ALL (None) for admins."""
    if user.role == Role.ADMIN:
        return ALL
    if user.role == Role.FOCAL_POINT:
        return frozenset(scope.country_id for scope in user.scopes)
    return frozenset({user.country_id}) if user.country_id else frozenset()


def scoped(stmt: Select[Any], country_column: InstrumentedAttribute[Any], user: User) -> Select[Any]:
    """Filter ``stmt`` to rows whose ``country_column`` is a country ``user`` may see."""
    ids = visible_country_ids(user)
    if ids is ALL:
        return stmt
    if not ids:
        return stmt.where(false())
    return stmt.where(country_column.in_(ids))


def can_see_country(user: User, country_id: int | None) -> bool:
    ids = visible_country_ids(user)
    return ids is ALL or (country_id is not None and country_id in ids)
