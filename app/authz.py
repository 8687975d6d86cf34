"""Authorisation in one place: who may open a page, and the 404 for what they may not see."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, request
from flask_login import current_user, login_required

from app.extensions import db
from app.models import Country
from app.services import places
from app.services.audit import Actor
from app.services.scope import can_see_country

F = TypeVar("F", bound=Callable[..., Any])


def require_role(*roles: str) -> Callable[[F], F]:
    """Signed-in users whose role is one of ``roles`` only: others get 403, anonymous users the login page."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def get_scoped_or_404(model: type, object_id: int, country_of: Callable[[Any], int | None]) -> Any:
    """The object, if the current user may see its country; a 404 otherwise, whether or not it exists."""
    obj = db.session.get(model, object_id)
    if obj is None or not can_see_country(current_user, country_of(obj)):
        abort(404)
    return obj


def visible_countries() -> list[Country]:
    """The countries the current user may see, by name (for pickers and filters)."""
    return list(db.session.scalars(places.countries_query(current_user)))


def current_actor() -> Actor:
    return Actor(user=current_user if current_user.is_authenticated else None,
                 ip=request.remote_addr)
