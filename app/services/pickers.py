"""What curators pick from instead of typing codes: competencies, levels, resources and licences, as
(value, label) pairs for select lists (which a small script turns into autocompletes).

Plain functions on a SQLAlchemy session; nothing here imports flask.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Competency, Framework, ProficiencyLevel, Resource
from app.services import catalogue

OTHER_LICENCE = "other"


def competency_options(session: Session) -> list[tuple[int, str]]:
    """Competencies that are not retired, framework by framework in their order: "Name (CODE)", with
    the framework's name when there is more than one."""
    rows = session.execute(
        select(Competency.id, Competency.code, Competency.name, Framework.name)
        .join(Framework, Framework.id == Competency.framework_id)
        .where(Competency.retired.is_(False))
        .order_by(Competency.framework_id, Competency.position, Competency.code)).all()
    several = len({framework for *_, framework in rows}) > 1
    return [(id_, f"{name} ({code})" + (f" · {framework}" if several else ""))
            for id_, code, name, framework in rows]


def level_options(session: Session) -> list[tuple[int, str]]:
    """The levels of the frameworks' scales: "2 · Working" (names of different scales joined)."""
    names: dict[int, list[str]] = {}
    for level, name in session.execute(select(ProficiencyLevel.level, ProficiencyLevel.name)
                                       .order_by(ProficiencyLevel.level, ProficiencyLevel.framework_id)):
        if name not in names.setdefault(level, []):
            names[level].append(name)
    return [(level, f"{level} · {' / '.join(level_names)}") for level, level_names in sorted(names.items())]


def resource_options(session: Session) -> list[tuple[str, str]]:
    """Published resources by title: (code, "Title — Provider, languages")."""
    rows = session.execute(select(Resource.code, Resource.title, Resource.provider, Resource.languages)
                           .where(Resource.status == catalogue.PUBLISHED)
                           .order_by(func.lower(Resource.title), Resource.code)).all()
    return [(code, f"{title} — {provider}" + (f", {', '.join(languages)}" if languages else ""))
            for code, title, provider, languages in rows]


def licence_options() -> list[tuple[str, str]]:
    """The open licences first, then the other SPDX licences, free access, and "another licence"."""
    open_ids = [spdx for spdx in catalogue.SPDX_IDS if catalogue.is_open_licence(spdx)]
    others = [spdx for spdx in catalogue.SPDX_IDS if not catalogue.is_open_licence(spdx)]
    return ([(spdx, f"{spdx} · open licence") for spdx in open_ids]
            + [(spdx, f"{spdx} · officials are told to check its terms") for spdx in others]
            + [(catalogue.FREE_ACCESS, "Free to access, not openly licensed (free-access)"),
               (OTHER_LICENCE, "Another licence (give its LicenseRef- id below)")])


def licence_from(choice: str, other: str) -> tuple[str, str]:
    """The licence a curator gave and the field it came from: the one picked, or the one typed when
    they picked "another licence"."""
    if choice == OTHER_LICENCE:
        return (other or "").strip(), "licence_other"
    return (choice or "").strip(), "licence"


def licence_choice(licence: str) -> tuple[str, str]:
    """The picker's (choice, typed) for a stored licence: a LicenseRef- is "another licence"."""
    if licence and licence not in catalogue.SPDX_IDS and licence != catalogue.FREE_ACCESS:
        return OTHER_LICENCE, licence
    return licence or "", ""
