"""The demo country: idempotent, so running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Country, Organisation, Role
from app.services import accounts, places
from app.services.audit import SYSTEM

DEMO_PASSWORD = "capstack-demo-2026"  # noqa: S105 - demo data only; flask demo refuses production
DEMO_COUNTRY = ("XD", "Demoland", "Africa/Nairobi")  # XD: a user-assigned ISO 3166 code
DEMO_ORGANISATIONS = ("Ministry of Digital Economy", "National Statistics Office",
                      "Revenue Authority")
_OFFICIALS = (
    "Amina Njeri", "Brian Otieno", "Chloé Martin", "Daniel Mensah", "Esther Wanjiku",
    "Farid Haddad", "Grace Achieng", "Hassan Ali", "Irene Mwangi", "Joseph Kamau",
)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    organisation: str | None


def _email(name: str) -> str:
    local = name.lower().replace(" ", ".").replace("é", "e")
    return f"{local}@example.org"


def _ensure_user(session: Session, logins: list[DemoLogin], *, email: str, name: str, role: str,
                 organisation: Organisation | None = None, country: Country | None = None) -> None:
    if accounts.find_by_email(session, email) is None:
        accounts.create_user(session, SYSTEM, email=email, name=name, role=role,
                             organisation=organisation, country=country, password=DEMO_PASSWORD)
    logins.append(DemoLogin(role, email, organisation.name if organisation else None))


def build_demo(session: Session) -> list[DemoLogin]:
    """Create (once) a demo country, three organisations, an admin, a focal point, ten officials."""
    code, name, time_zone = DEMO_COUNTRY
    country = session.scalar(select(Country).where(Country.code == code))
    if country is None:
        country = places.save_country(session, SYSTEM, code=code, name=name, time_zone=time_zone)
    organisations = []
    for org_name in DEMO_ORGANISATIONS:
        org = session.scalar(select(Organisation).where(
            Organisation.country_id == country.id, Organisation.name == org_name))
        organisations.append(org or places.save_organisation(session, SYSTEM, country=country,
                                                             name=org_name))
    logins: list[DemoLogin] = []
    _ensure_user(session, logins, email="admin@example.org", name="Ada Admin", role=Role.ADMIN)
    _ensure_user(session, logins, email="focal@example.org", name="Fatou Focal",
                 role=Role.FOCAL_POINT, country=country)
    for index, official in enumerate(_OFFICIALS):
        _ensure_user(session, logins, email=_email(official), name=official, role=Role.OFFICIAL,
                     organisation=organisations[index % len(organisations)])
    return logins
