"""Authorisation in one place: who may open a page, and the 404 for what they may not see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, request
from flask_login import current_user, login_required

from app.extensions import db
from app.models import Country, Role
from app.services import places
from app.services.audit import Actor
from app.services.scope import can_see_country

F = TypeVar("F", bound=Callable[..., Any])


class Scope(StrEnum):
    """Whose records the ids in a route's URL may name, for a user whose role the route admits.

    A page without ids shows the signed-in user's own data (OWN, REPORTS) or that of the countries they
    may see (COUNTRY)."""

    OWN = "own"            # the user's own records
    REPORTS = "reports"    # records of the officials whose line manager the user is
    COUNTRY = "country"    # records in a country the user may see as focal point; admins: every country
    ANY = "any"            # shared records nobody owns (catalogue, course paths)


EVERYONE = (Role.OFFICIAL, Role.FOCAL_POINT, Role.ADMIN)


@dataclass(frozen=True)
class Access:
    """Who may use a route: signed-in users with one of ``roles`` (none: everyone, signed in or not),
    on records any of ``scopes`` admits. The access-matrix test holds every route to its declaration."""

    roles: frozenset[str]
    scopes: frozenset[Scope]

    @property
    def public(self) -> bool:
        return not self.roles


PUBLIC = Access(frozenset(), frozenset({Scope.ANY}))

# Routes anyone may use, signed in or not. Declared here rather than on the views, which have no
# decorator of their own: the sign-in, reset and invitation-link pages, the home and help pages, the
# health check and the static files.
PUBLIC_ENDPOINTS = frozenset({"static", "main.index", "main.help", "main.healthz", "auth.login",
                              "auth.request_reset", "auth.use_link"})


def require_role(*roles: str, scope: Scope | tuple[Scope, ...] = Scope.COUNTRY) -> Callable[[F], F]:
    """Signed-in users whose role is one of ``roles`` only: others get 403, anonymous users the login page.

    ``scope`` declares whose records the route's ids may name (the view enforces it, with a 404)."""
    access = Access(frozenset(roles), frozenset(scope if isinstance(scope, tuple) else (scope,)))

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = access  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def signed_in(*scopes: Scope) -> Callable[[F], F]:
    """Any signed-in user, on the records ``scopes`` admit (by default their own)."""
    return require_role(*EVERYONE, scope=scopes or (Scope.OWN,))


def access_of(app: Flask, endpoint: str) -> Access | None:
    """The declared access of ``endpoint``, or None when the route declares none."""
    if endpoint in PUBLIC_ENDPOINTS:
        return PUBLIC
    return getattr(app.view_functions.get(endpoint), "access", None)


def undeclared_endpoints(app: Flask) -> list[str]:
    """The endpoints of ``app`` whose routes declare no access: each should be fixed, not listed."""
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()
                   if access_of(app, rule.endpoint) is None})


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
