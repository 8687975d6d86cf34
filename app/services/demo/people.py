"""Demoland's people: the country, its organisations, the staff accounts, and a roster of officials drawn
from a fixed seed (the same roster on every run), each with a role, languages and learning conditions."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Country, Organisation, Role, User
from app.services import accounts, passwords, places
from app.services.audit import SYSTEM

DEMO_PASSWORD = "capstack-demo-2026"  # noqa: S105 - demo data only; flask demo refuses production
DEMO_COUNTRY = ("XD", "Demoland", "Africa/Nairobi")  # XD: a user-assigned ISO 3166 code
ADMIN = ("admin@example.org", "Ada Admin")
FOCAL = ("focal@example.org", "Fatou Focal")

# name, parent, share of the officials, role profile code -> weight. The first three are the
# organisations of the first demo, kept so that an existing demo database grows instead of forking.
ORGANISATIONS: tuple[tuple[str, str | None, float, dict[str, int]], ...] = (
    ("Ministry of Digital Economy", None, 0.19,
     {"digital-leader": 8, "service-owner": 18, "developer": 28, "security-officer": 14,
      "policy-officer": 15, "data-analyst": 10, "content-designer": 7}),
    ("National Statistics Office", None, 0.13,
     {"data-analyst": 55, "policy-officer": 15, "developer": 10, "digital-leader": 5,
      "frontline-staff": 15}),
    ("Revenue Authority", None, 0.18,
     {"frontline-staff": 45, "data-analyst": 15, "developer": 15, "security-officer": 10,
      "service-owner": 10, "digital-leader": 5}),
    ("Ministry of Health", None, 0.20,
     {"frontline-staff": 45, "policy-officer": 25, "data-analyst": 15, "service-owner": 10,
      "digital-leader": 5}),
    ("Ministry of Education", None, 0.18,
     {"frontline-staff": 40, "policy-officer": 30, "content-designer": 15, "data-analyst": 10,
      "digital-leader": 5}),
    ("National Identity Agency", "Ministry of Digital Economy", 0.12,
     {"developer": 30, "security-officer": 20, "service-owner": 15, "frontline-staff": 30,
      "digital-leader": 5}),
)
DEMO_ORGANISATIONS = tuple(name for name, *_rest in ORGANISATIONS)

# Where names come from, how often, and the languages people from there learn in (weight, languages).
# "other" is the instrument's "Another language": Swahili here, which it does not list by name.
_Languages = tuple[tuple[int, tuple[str, ...]], ...]
_REGIONS: dict[str, tuple[float, tuple[str, ...], tuple[str, ...], _Languages]] = {
    "east": (0.40,
             ("Amina", "Wanjiru", "Achieng", "Akinyi", "Zawadi", "Neema", "Rehema", "Halima", "Grace",
              "Mercy", "Faith", "Joyce", "Esther", "Brian", "Kevin", "Dennis", "Collins", "Baraka",
              "Juma", "Hamisi", "Emmanuel", "Samuel", "Peter", "Moses", "Isaac", "Imani", "Daudi",
              "Wambui", "Nyokabi", "Cheruiyot"),
             ("Otieno", "Mwangi", "Kamau", "Wanjiku", "Ochieng", "Njoroge", "Kiprop", "Chebet", "Mutua",
              "Omondi", "Nyambura", "Kariuki", "Wekesa", "Barasa", "Mollel", "Massawe", "Mushi", "Lyimo",
              "Nakato", "Namubiru", "Okello", "Uwimana", "Mugisha", "Habimana", "Achieng", "Wafula"),
             ((55, ("en",)), (45, ("en", "other")))),
    "west": (0.12,
             ("Kwame", "Kofi", "Ama", "Akosua", "Yaw", "Efua", "Abena", "Chinedu", "Ngozi", "Adaeze",
              "Oluwaseun", "Tunde", "Funmilayo", "Emeka", "Ifeoma", "Yetunde", "Ibrahim", "Musa"),
             ("Mensah", "Asante", "Owusu", "Boateng", "Acheampong", "Adeyemi", "Okafor", "Okonkwo", "Eze",
              "Balogun", "Adebayo", "Nwosu", "Bello", "Abubakar", "Koroma", "Kamara", "Sesay", "Conteh"),
             ((100, ("en",)),)),
    "francophone": (0.25,
                    ("Aminata", "Fatou", "Mariama", "Awa", "Ousmane", "Moussa", "Mamadou", "Cheikh",
                     "Ibrahima", "Aïssatou", "Koffi", "Serge", "Jean-Baptiste", "Marie-Claire", "Chantal",
                     "Hervé", "Thierry", "Josiane", "Rivo", "Hery", "Fanja", "Désiré", "Clarisse",
                     "Élodie"),
                    ("Diop", "Ndiaye", "Sow", "Fall", "Diallo", "Ba", "Sarr", "Traoré", "Coulibaly", "Koné",
                     "Ouattara", "Kouassi", "Mbarga", "Nkomo", "Mukendi", "Tshibanda", "Rakotomalala",
                     "Randriamanana", "Ouédraogo", "Sawadogo", "Kaboré", "Ndongo"),
                    ((55, ("fr",)), (45, ("en", "fr")))),
    "arabic": (0.12,
               ("Youssef", "Karim", "Nadia", "Samira", "Leila", "Omar", "Mehdi", "Salma", "Rania",
                "Hicham", "Amal", "Khadija", "Mourad", "Nour", "Tarek", "Yasmine", "Imane", "Rachid"),
               ("Benali", "El Amrani", "Haddad", "Mansour", "Khalil", "Saidi", "Belkacem", "Chraibi",
                "Ben Youssef", "Gharbi", "Trabelsi", "El Idrissi", "Hamdi", "Mahmoud"),
               ((45, ("fr", "ar")), (30, ("en", "ar")), (25, ("en", "fr")))),
    "lusophone": (0.05,
                  ("João", "Ana", "Carlos", "Fernanda", "Lúcia", "Nelson", "Celso", "Esperança", "Domingos"),
                  ("Machava", "Sitoe", "Cossa", "Mondlane", "Tembe", "Nhantumbo", "Fernandes", "Langa"),
                  ((70, ("en", "pt")), (30, ("en",)))),
    "south-asian": (0.06,
                    ("Priya", "Ravi", "Anil", "Sunita", "Nisha", "Rohan", "Meera", "Sanjay"),
                    ("Patel", "Shah", "Mehta", "Desai", "Chandaria", "Lakhani"),
                    ((80, ("en",)), (20, ("en", "other")))),
}

# The ten officials of the first demo, in their organisations (index % 3), with fixed stories for three:
# a keen learner, one who took only the baseline, one who learns in French.
# (name, region, role, cycles, languages or None for the region's, story)
_NAMED: tuple[tuple[str, str, str, str, tuple[str, ...] | None, str | None], ...] = (
    ("Amina Njeri", "east", "data-analyst", "both", ("en",), "keen"),
    ("Brian Otieno", "east", "data-analyst", "baseline", ("en",), "baseline only"),
    ("Chloé Martin", "francophone", "frontline-staff", "both", ("fr",), "in French"),
    ("Daniel Mensah", "west", "developer", "both", None, None),
    ("Esther Wanjiku", "east", "policy-officer", "both", None, None),
    ("Farid Haddad", "arabic", "frontline-staff", "baseline", None, None),
    ("Grace Achieng", "east", "security-officer", "both", None, None),
    ("Hassan Ali", "east", "data-analyst", "follow-up", None, None),
    ("Irene Mwangi", "east", "frontline-staff", "both", None, None),
    ("Joseph Kamau", "east", "digital-leader", "both", None, None),
)

# Which cycles an official takes part in: both, only the baseline, only the follow-up (invited to both),
# a joiner (arrived after the baseline: invited to the follow-up only), or neither.
CYCLES = (("both", 62), ("baseline", 22), ("follow-up", 4), ("joiner", 4), ("none", 8))
_HOURS = (("lt1", 20), ("1-2", 40), ("3-5", 30), ("gt5", 10))
_INTERNET = (("always", 40), ("mostly", 35), ("sometimes", 20), ("rarely", 5))
_DEVICE = (("computer", 65), ("shared", 15), ("smartphone", 15), ("tablet", 5))
_SUPPORT = (("protected", 20), ("informal", 45), ("no", 20), ("unsure", 15))
_FORMATS = ("course", "video", "guide", "toolkit", "community", "book")


@dataclass(frozen=True)
class Person:
    """One demo official, as the generator sees them."""

    name: str
    email: str
    organisation: str
    role: str  # role profile code
    cycles: str  # see CYCLES
    languages: tuple[str, ...]
    hours: str  # an answer to ctx-hours
    formats: tuple[str, ...]
    internet: str
    device: str
    support: str
    bias: float  # how many levels above what they can show they tend to rate themselves
    drive: float  # 0-1: how likely they are to take up learning
    story: str | None = None


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...] | dict[str, int]) -> str:
    pairs = list(weighted.items()) if isinstance(weighted, dict) else list(weighted)
    return rng.choices([value for value, _ in pairs], weights=[weight for _, weight in pairs])[0]


def email_for(name: str, taken: set[str]) -> str:
    """first.last@example.org in plain ASCII, with a number when the name is taken."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    local = ".".join(part for part in plain.replace("'", "").replace("-", " ").split())
    candidate, number = f"{local}@example.org", 2
    while candidate in taken:
        candidate, number = f"{local}{number}@example.org", number + 1
    taken.add(candidate)
    return candidate


def _person(seed: int, name: str, email: str, organisation: str, role: str, cycles: str,
            region: str, languages: tuple[str, ...] | None, story: str | None) -> Person:
    rng = random.Random(f"{seed}:{email}:person")
    language_choices = _REGIONS[region][3]
    if languages is None:
        languages = rng.choices([langs for _, langs in language_choices],
                                weights=[weight for weight, _ in language_choices])[0]
    hours, support = _pick(rng, _HOURS), _pick(rng, _SUPPORT)
    drive = 0.55 + {"lt1": -0.2, "1-2": 0.0, "3-5": 0.1, "gt5": 0.15}[hours] + {
        "protected": 0.15, "informal": 0.05, "no": -0.15, "unsure": -0.05}[support]
    if story == "keen":
        hours, support, drive = "3-5", "protected", 1.0
    return Person(
        name=name, email=email, organisation=organisation, role=role, cycles=cycles,
        languages=languages, hours=hours,
        formats=tuple(sorted(rng.sample(_FORMATS, rng.choice((1, 2, 2, 3))), key=_FORMATS.index)),
        internet=_pick(rng, _INTERNET), device=_pick(rng, _DEVICE), support=support,
        bias=rng.gauss(0.4, 0.4), drive=min(0.95, max(0.1, drive + rng.gauss(0, 0.1))), story=story)


def roster(size: int, seed: int) -> list[Person]:
    """The demo's officials: the ten of the first demo, then ``size - 10`` more from ``seed``."""
    rng = random.Random(seed)
    taken: set[str] = set()
    people = []
    for index, (name, region, role, cycles, languages, story) in enumerate(_NAMED[:size]):
        people.append(_person(seed, name, email_for(name, taken), DEMO_ORGANISATIONS[index % 3], role,
                              cycles, region, languages, story))
    regions = list(_REGIONS)
    for _ in range(max(0, size - len(_NAMED))):
        region = rng.choices(regions, weights=[_REGIONS[r][0] for r in regions])[0]
        _share, firsts, lasts, _languages = _REGIONS[region]
        name = f"{rng.choice(firsts)} {rng.choice(lasts)}"
        organisation_name, _parent, _weight, roles = rng.choices(
            ORGANISATIONS, weights=[entry[2] for entry in ORGANISATIONS])[0]
        people.append(_person(seed, name, email_for(name, taken), organisation_name, _pick(rng, roles),
                              _pick(rng, CYCLES), region, None, None))
    return people


# Writing them --------------------------------------------------------------------------------------

def ensure_country(session: Session) -> tuple[Country, dict[str, Organisation]]:
    """Demoland and its organisations, created when missing."""
    code, name, time_zone = DEMO_COUNTRY
    country = session.scalar(select(Country).where(Country.code == code))
    if country is None:
        country = places.save_country(session, SYSTEM, code=code, name=name, time_zone=time_zone)
    found = {o.name: o for o in session.scalars(
        select(Organisation).where(Organisation.country_id == country.id))}
    for org_name, parent, _share, _roles in ORGANISATIONS:
        if org_name not in found:
            found[org_name] = places.save_organisation(
                session, SYSTEM, country=country, name=org_name,
                parent=found[parent] if parent else None)
    return country, found


def ensure_staff(session: Session, country: Country) -> tuple[User, User]:
    """The admin and the demo focal point (of Demoland), created when missing."""
    staff = []
    for (email, name), role, where in ((ADMIN, Role.ADMIN, None), (FOCAL, Role.FOCAL_POINT, country)):
        user = accounts.find_by_email(session, email)
        if user is None:
            user = accounts.create_user(session, SYSTEM, email=email, name=name, role=role, country=where)
        staff.append(user)
    return staff[0], staff[1]


def users_by_email(session: Session, roster: list[Person]) -> dict[str, User]:
    """The accounts of the ``roster`` that exist, by e-mail, in one query."""
    return {user.email: user for user in session.scalars(
        select(User).where(User.email.in_([person.email for person in roster])))}


def give_password(session: Session, emails: list[str]) -> int:
    """Give every account among ``emails`` that has no password yet the demo password; how many.

    Argon2 takes about 0.3 s a hash by design, so hashing it once per account would take minutes for
    the roster: the accounts share one hash (each still verifies on its own, and the password rules
    are checked for each). Officials invited from a file start without a password, as in real use.
    """
    users = [user for user in session.scalars(
        select(User).where(User.email.in_(emails), User.password_hash.is_(None)))]
    if not users:
        return 0
    shared = passwords.hash_password(DEMO_PASSWORD)
    for user in users:
        passwords.check_rules(DEMO_PASSWORD, user.email)
        user.password_hash = shared
        user.activated_at = user.activated_at or user.created_at
    return len(users)
