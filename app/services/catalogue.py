"""The catalogue: a resource's page and its JSON-LD, licences, review freshness, retiring (searching
it: app.services.catalogue_search).

Plain functions on a SQLAlchemy session; nothing here imports flask.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from babel import Locale, UnknownLocaleError
from markupsafe import Markup
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from app.models import Competency, Framework, Resource, ResourceCompetency
from app.services import audit
from app.services.audit import Actor
from app.services.errors import NotFound, ValidationFailed

PUBLISHED, RETIRED = "published", "retired"
FORMATS = ("course", "video", "guide", "toolkit", "community", "book")
COSTS = ("free", "paid")
FREE_ACCESS = "free-access"  # free to use, but not under an open licence
ACCESSIBILITY = ("captions", "transcript", "screen_reader")
SORTS = ("relevance", "title", "hours", "reviewed")
STALE_AFTER_MONTHS = 12

# The SPDX ids curators meet most often for learning material and the code around it. Anything else
# goes in as LicenseRef-<name>, SPDX's own way of naming a licence that is not on its list.
SPDX_IDS = (
    "CC0-1.0", "CC-PDDC",
    "CC-BY-1.0", "CC-BY-2.0", "CC-BY-2.5", "CC-BY-3.0", "CC-BY-3.0-IGO", "CC-BY-4.0",
    "CC-BY-SA-2.0", "CC-BY-SA-2.5", "CC-BY-SA-3.0", "CC-BY-SA-3.0-IGO", "CC-BY-SA-4.0",
    "CC-BY-ND-3.0", "CC-BY-ND-4.0",
    "CC-BY-NC-2.0", "CC-BY-NC-3.0", "CC-BY-NC-4.0",
    "CC-BY-NC-SA-2.0", "CC-BY-NC-SA-2.5", "CC-BY-NC-SA-3.0", "CC-BY-NC-SA-3.0-IGO", "CC-BY-NC-SA-4.0",
    "CC-BY-NC-ND-3.0", "CC-BY-NC-ND-3.0-IGO", "CC-BY-NC-ND-4.0",
    "OGL-UK-1.0", "OGL-UK-2.0", "OGL-UK-3.0", "OGL-Canada-2.0", "etalab-2.0", "DL-DE-BY-2.0",
    "NLOD-2.0", "OPUBL-1.0", "ODbL-1.0", "ODC-By-1.0", "PDDL-1.0", "CDLA-Permissive-2.0",
    "GFDL-1.3-only", "GFDL-1.3-or-later", "W3C", "W3C-20150513",
    "MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "MPL-2.0", "Unlicense",
    "GPL-3.0-only", "GPL-3.0-or-later", "AGPL-3.0-only", "AGPL-3.0-or-later", "LGPL-3.0-only",
)
_SPDX_BY_KEY = {spdx_id.lower(): spdx_id for spdx_id in SPDX_IDS}
_LICENSE_REF = re.compile(r"^LicenseRef-[A-Za-z0-9][A-Za-z0-9.-]*$", re.IGNORECASE)


# Licences -----------------------------------------------------------------------------------------


# Licences known to let anyone reuse and adapt the material (the Open Definition's sense: no
# "non-commercial" or "no derivatives" clause). Only these are called open: what any other licence,
# a LicenseRef- above all, allows is for the reader to check; the app cannot know it.
OPEN_LICENCES = frozenset({
    "CC0-1.0", "CC-PDDC", "CC-BY-1.0", "CC-BY-2.0", "CC-BY-2.5", "CC-BY-3.0", "CC-BY-3.0-IGO",
    "CC-BY-4.0", "CC-BY-SA-2.0", "CC-BY-SA-2.5", "CC-BY-SA-3.0", "CC-BY-SA-3.0-IGO", "CC-BY-SA-4.0",
    "OGL-UK-1.0", "OGL-UK-2.0", "OGL-UK-3.0", "OGL-Canada-2.0", "etalab-2.0", "DL-DE-BY-2.0",
    "NLOD-2.0", "ODbL-1.0", "ODC-By-1.0", "PDDL-1.0", "CDLA-Permissive-2.0",
    "MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "MPL-2.0", "Unlicense",
    "GPL-3.0-only", "GPL-3.0-or-later", "AGPL-3.0-only", "AGPL-3.0-or-later", "LGPL-3.0-only",
})
OPEN, CHECK = "open", "check"


def is_open_licence(licence: str | None) -> bool:
    """True only for a licence of OPEN_LICENCES; False for ``free-access`` (free to read, not licensed
    for reuse) and for any other licence, whose terms the reader must check."""
    return licence in OPEN_LICENCES


def licence_kind(licence: str | None) -> str:
    """``open`` (OPEN_LICENCES), ``free-access``, or ``check``: any other licence, whose terms the
    app cannot vouch for."""
    if licence in OPEN_LICENCES:
        return OPEN
    return FREE_ACCESS if licence == FREE_ACCESS else CHECK


def check_licence(text: str) -> str:
    """The licence in its canonical spelling: an SPDX id we know, ``LicenseRef-...``, or
    ``free-access``. Raise ValidationFailed (field ``licence``) for anything else."""
    value = (text or "").strip()
    if value.lower() == FREE_ACCESS:
        return FREE_ACCESS
    if value.lower() in _SPDX_BY_KEY:
        return _SPDX_BY_KEY[value.lower()]
    if _LICENSE_REF.match(value):
        return "LicenseRef-" + value[len("LicenseRef-"):]
    raise ValidationFailed(
        f"{value or 'An empty licence'!r} is not a licence we know: give an SPDX identifier such as "
        "CC-BY-4.0 or OGL-UK-3.0, LicenseRef-<name> for a licence SPDX does not list, or "
        "free-access for material that is free to use but not openly licensed", field="licence")


def licence_url(licence: str) -> str | None:
    """The SPDX page of an SPDX-listed licence; None for free-access and LicenseRef- licences."""
    if licence in SPDX_IDS:
        return f"https://spdx.org/licenses/{licence}.html"
    return None


# Addresses, codes, languages -------------------------------------------------------------------


_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(url: str) -> str:
    """The form two addresses of the same page share, for finding duplicates.

    Lower-case host without ``www.``, no default port, no fragment, no trailing slash, no
    ``utm_*`` or other tracking parameters, the other query parameters sorted. The scheme is left out
    altogether: ``http://`` and ``https://`` of one address are the same material.
    """
    parts = urlsplit((url or "").strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    host = host.removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    query = sorted((key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
                   if not _is_tracking(key))
    return urlunsplit(("", host, path, urlencode(query), "")).removeprefix("//")


_TRACKING = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_hsenc", "_hsmi",
                       "igshid", "yclid", "ref_src"})


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith("utm_") or key in _TRACKING


def check_url(url: str) -> str:
    """``url`` stripped, if it is an absolute http(s) address; ValidationFailed (field ``url``) if not."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("Enter the full web address, starting with https://", field="url")
    if len(url) > 1000:
        raise ValidationFailed("The web address must be 1,000 characters or fewer", field="url")
    return url


def slugify(text: str, max_length: int = 100) -> str:
    """Lower-case ASCII words joined by hyphens: ``Données ouvertes: guide`` → ``donnees-ouvertes-guide``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "resource"


def unique_code(session: Session, title: str) -> str:
    """A resource code from ``title`` that no resource has yet (``-2``, ``-3`` ... when taken)."""
    base = slugify(title)
    taken = set(session.scalars(select(Resource.code).where(
        or_(Resource.code == base, Resource.code.like(f"{base}-%")))))
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


_LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z]{4}))?(?:-([A-Za-z]{2}|[0-9]{3}))?$")


def check_languages(text: str) -> list[str]:
    """BCP 47 tags (``en``, ``fr``, ``pt-BR``, ``zh-Hant``) from a comma- or space-separated list,
    normalised in case and without repeats. Raise ValidationFailed (field ``languages``)."""
    tags: list[str] = []
    known = Locale("en").languages
    for raw in re.split(r"[\s,;]+", (text or "").strip()):
        if not raw:
            continue
        match = _LANGUAGE_TAG.match(raw.replace("_", "-"))
        if not match or match.group(1).lower() not in known:
            raise ValidationFailed(f"{raw!r} is not a language tag such as en, fr, ar or pt-BR",
                                   field="languages")
        language, script, region = match.groups()
        tag = "-".join(part for part in (language.lower(), script and script.title(),
                                         region and region.upper()) if part)
        if tag not in tags:
            tags.append(tag)
    if not tags:
        raise ValidationFailed("Enter at least one language, for example en", field="languages")
    return tags


def language_name(tag: str, display_locale: str = "en") -> str:
    """``fr`` → ``French`` (in ``display_locale``); the tag itself when it has no known name."""
    try:
        display = Locale.parse(display_locale, sep="-")
    except (ValueError, UnknownLocaleError):
        display = Locale("en")
    try:
        name = Locale.parse(tag, sep="-").get_display_name(display)
    except (ValueError, UnknownLocaleError):
        name = display.languages.get(tag.split("-")[0].lower())
    return name or tag


def iso_duration(hours: float) -> str:
    """Hours as an ISO 8601 duration rounded to the minute: 6 → PT6H, 1.5 → PT1H30M, 0.25 → PT15M."""
    minutes = max(0, round(hours * 60))
    whole_hours, rest = divmod(minutes, 60)
    if not minutes:
        return "PT0M"
    return "PT" + (f"{whole_hours}H" if whole_hours else "") + (f"{rest}M" if rest else "")


# One resource -----------------------------------------------------------------------------------


def get_resource(session: Session, code: str, *, include_retired: bool = False) -> Resource:
    """The resource with ``code``, what it teaches and its framework's scale loaded. Raise NotFound,
    also for a retired resource unless ``include_retired``."""
    resource = session.scalar(
        select(Resource).where(Resource.code == code).options(
            selectinload(Resource.teaches).selectinload(ResourceCompetency.competency)
            .selectinload(Competency.framework).selectinload(Framework.levels)))
    if resource is None or (resource.status != PUBLISHED and not include_retired):
        raise NotFound(f"No resource {code!r} in the catalogue")
    return resource


def prerequisites_of(session: Session, resource: Resource, *, include_retired: bool = False
                     ) -> list[Resource]:
    """The resources ``resource`` lists as prerequisites, in its order, in one query."""
    if not resource.prerequisites:
        return []
    stmt = select(Resource).where(Resource.code.in_(resource.prerequisites))
    if not include_retired:
        stmt = stmt.where(Resource.status == PUBLISHED)
    found = {r.code: r for r in session.scalars(stmt)}
    return [found[code] for code in resource.prerequisites if code in found]


def level_names(competency: Competency) -> dict[int, str]:
    return {level.level: level.name for level in competency.framework.levels}


@dataclass(frozen=True)
class LevelRange:
    competency: Competency
    level_from: int
    level_to: int
    from_name: str
    to_name: str
    names: tuple[str, ...]  # every level of the range, from..to


def level_ranges(resource: Resource) -> list[LevelRange]:
    ranges = []
    for taught in sorted(resource.teaches, key=lambda t: (t.competency.position, t.competency.code)):
        names = level_names(taught.competency)
        ranges.append(LevelRange(
            competency=taught.competency, level_from=taught.level_from, level_to=taught.level_to,
            from_name=names.get(taught.level_from, str(taught.level_from)),
            to_name=names.get(taught.level_to, str(taught.level_to)),
            names=tuple(names.get(level, str(level))
                        for level in range(taught.level_from, taught.level_to + 1))))
    return ranges


def json_ld(resource: Resource) -> dict[str, Any]:
    """The resource as a schema.org LearningResource."""
    ranges = level_ranges(resource)
    levels: list[tuple[int, str]] = []
    for taught in ranges:
        for level, name in zip(range(taught.level_from, taught.level_to + 1), taught.names,
                               strict=True):
            if (level, name) not in levels:
                levels.append((level, name))
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LearningResource",
        "name": resource.title,
        "url": resource.url,
        "provider": {"@type": "Organization", "name": resource.provider},
        "teaches": [{"@type": "DefinedTerm", "name": taught.competency.name,
                     "termCode": taught.competency.code,
                     "inDefinedTermSet": taught.competency.framework.name}
                    for taught in ranges],
        "educationalLevel": [name for _, name in sorted(levels)],
        "inLanguage": list(resource.languages),
        "timeRequired": iso_duration(resource.hours),
        "isAccessibleForFree": resource.cost == "free",
        "learningResourceType": resource.format,
    }
    url = licence_url(resource.licence)
    if url:
        data["license"] = url
    return data


_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                  "\u2029": "\\u2029"}


def json_for_script(data: Any) -> Markup:
    """JSON safe inside a ``<script type="application/ld+json">`` element: no ``</script>``,
    ``<!--`` or line separators can end or bend the element, and it still parses to ``data``."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False)
    for character, escape in _SCRIPT_UNSAFE.items():
        text = text.replace(character, escape)
    return Markup(text)  # noqa: S704 - every character that could end the element is escaped


# Curation: review, retire -------------------------------------------------------------------------


def stale_before(today: date, months: int = STALE_AFTER_MONTHS) -> date:
    """The date ``months`` before ``today`` (29 February falls back to the 28th)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    for day in (today.day, 30, 29, 28):
        try:
            return today.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def stale_query(today: date, months: int = STALE_AFTER_MONTHS) -> Select[tuple[Resource]]:
    """Published resources last reviewed ``months`` or more ago, the oldest review first."""
    return (select(Resource)
            .where(Resource.status == PUBLISHED, Resource.reviewed_on <= stale_before(today, months))
            .order_by(Resource.reviewed_on, Resource.title, Resource.id))


def broken_links_query() -> Select[tuple[Resource]]:
    """Published resources whose last link check failed: unreachable (0), an HTTP error, or a
    redirect that never ended in a page."""
    return (select(Resource)
            .where(Resource.status == PUBLISHED,
                   or_(Resource.link_status < 200, Resource.link_status >= 300))
            .order_by(Resource.link_checked_at.desc(), Resource.title, Resource.id))


def mark_reviewed(session: Session, actor: Actor, resource: Resource, today: date) -> None:
    """Record that ``actor`` reviewed ``resource`` on ``today``."""
    previous = resource.reviewed_on
    resource.reviewed_on = today
    resource.reviewed_by = actor.user.name if actor.user else "CapStack curators"
    audit.record(session, actor, "resource.review", resource,
                 details={"code": resource.code, "previous": previous.isoformat() if previous else None})


def retire(session: Session, actor: Actor, resource: Resource) -> None:
    """Take ``resource`` out of the catalogue officials see. Raise ValidationFailed if it already is."""
    if resource.status == RETIRED:
        raise ValidationFailed(f"{resource.title} is already retired")
    resource.status = RETIRED
    audit.record(session, actor, "resource.retire", resource, details={"code": resource.code})


def restore(session: Session, actor: Actor, resource: Resource) -> None:
    """Put a retired resource back in the catalogue."""
    if resource.status == PUBLISHED:
        raise ValidationFailed(f"{resource.title} is already published")
    resource.status = PUBLISHED
    audit.record(session, actor, "resource.restore", resource, details={"code": resource.code})


def days_ago(today: date, days: int) -> date:
    return today - timedelta(days=days)


def codes_exist(session: Session, codes: Iterable[str]) -> set[str]:
    codes = list(codes)
    if not codes:
        return set()
    return set(session.scalars(select(Resource.code).where(Resource.code.in_(codes))))
