"""Countries and organisations."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from app.models import Country, Organisation, User
from app.services import audit
from app.services.audit import Actor
from app.services.errors import ValidationFailed
from app.services.scope import scoped


def _check_time_zone(time_zone: str) -> str:
    time_zone = time_zone.strip()
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(
            f"{time_zone!r} is not a time zone name such as Africa/Nairobi", field="time_zone"
        ) from exc
    return time_zone


def time_zone_names() -> list[str]:
    return sorted(available_timezones())


def save_country(
    session: Session, actor: Actor, *, code: str, name: str, time_zone: str,
    country: Country | None = None, small_cell_k: int | None = None,
) -> Country:
    """Create a country, or update ``country``. Raise ValidationFailed on a bad or taken code, or a
    small-cell threshold (the country's own, when higher than the deployment's) outside 2-100."""
    code = code.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValidationFailed("Country code must be two letters (ISO 3166-1 alpha-2)", field="code")
    if not name.strip():
        raise ValidationFailed("Enter the country's name", field="name")
    time_zone = _check_time_zone(time_zone)
    if small_cell_k is not None and not 2 <= small_cell_k <= 100:
        raise ValidationFailed("Enter a whole number from 2 to 100", field="small_cell_k")
    taken = session.scalar(select(Country).where(Country.code == code))
    if taken is not None and taken is not country:
        raise ValidationFailed(f"A country with the code {code} already exists", field="code")
    action = "country.update"
    if country is None:
        country = Country()
        session.add(country)
        action = "country.create"
    country.code, country.name, country.time_zone = code, name.strip(), time_zone
    country.small_cell_k = small_cell_k
    audit.record(session, actor, action, country, country_id=None,
                 details={"code": code, "name": country.name, "small_cell_k": small_cell_k})
    return country


def save_organisation(
    session: Session, actor: Actor, *, country: Country, name: str,
    parent: Organisation | None = None, organisation: Organisation | None = None,
) -> Organisation:
    """Create an organisation in ``country``, or update ``organisation``."""
    name = name.strip()
    if not name:
        raise ValidationFailed("Enter the organisation's name", field="name")
    if parent is not None:
        if parent.country_id != country.id:
            raise ValidationFailed("The parent organisation must be in the same country",
                                   field="parent")
        ancestor: Organisation | None = parent
        while ancestor is not None:
            if organisation is not None and ancestor.id == organisation.id:
                raise ValidationFailed("An organisation cannot sit inside itself", field="parent")
            ancestor = ancestor.parent
    taken = session.scalar(
        select(Organisation).where(Organisation.country_id == country.id, Organisation.name == name)
    )
    if taken is not None and taken is not organisation:
        raise ValidationFailed(f"{country.name} already has an organisation called {name}",
                               field="name")
    action = "organisation.update"
    if organisation is None:
        organisation = Organisation(country=country)
        session.add(organisation)
        action = "organisation.create"
    organisation.name, organisation.parent = name, parent
    audit.record(session, actor, action, organisation, country_id=country.id,
                 details={"name": name})
    return organisation


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def organisations_query(viewer: User, *, search: str = "", country_id: int | None = None
                        ) -> Select[tuple[Organisation]]:
    stmt = (scoped(select(Organisation), Organisation.country_id, viewer)
            .join(Organisation.country)
            .options(contains_eager(Organisation.country), selectinload(Organisation.parent)))
    if country_id:
        stmt = stmt.where(Organisation.country_id == country_id)
    if search.strip():
        stmt = stmt.where(func.lower(Organisation.name).like(_like(search), escape="\\"))
    return stmt.order_by(Country.name, Organisation.name)


def users_query(viewer: User, *, search: str = "", role: str = "", country_id: int | None = None
                ) -> Select[tuple[User]]:
    stmt = scoped(select(User), User.country_id, viewer).options(
        selectinload(User.organisation), selectinload(User.country)
    )
    if country_id:
        stmt = stmt.where(User.country_id == country_id)
    if role:
        stmt = stmt.where(User.role == role)
    if search.strip():
        pattern = _like(search)
        stmt = stmt.where(
            or_(func.lower(User.name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"))
        )
    return stmt.order_by(User.name, User.id)


def countries_query(viewer: User, *, search: str = "") -> Select[tuple[Country]]:
    stmt = scoped(select(Country), Country.id, viewer)
    if search.strip():
        pattern = _like(search)
        stmt = stmt.where(or_(func.lower(Country.name).like(pattern, escape="\\"),
                              func.lower(Country.code).like(pattern, escape="\\")))
    return stmt.order_by(Country.name)
