"""What a dashboard request covers: the countries (the viewer's, narrowed to the one picked) and the
filters, read from the query string the same way for every page, chart and export.

An explicit id the viewer may not see — another country, or an organisation or campaign outside the
countries in view — is a 404, never an empty page: the answer must not depend on whether it exists.
So is a "results" choice other than all (empty) or "validated".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ids import arg_id
from app.models import Campaign, Country, Organisation, RoleProfile
from app.services import places
from app.services.evaluation import Filters, Scope
from app.services.evaluation.common import in_scope
from app.services.evaluation.release import Release
from app.services.scope import visible_country_ids

FILTER_ARGS = ("country", "campaign", "organisation", "role_profile", "results")
VALIDATED = "validated"  # ?results=validated: the results a manager validated only


@dataclass(frozen=True)
class Option:
    id: int
    label: str


@dataclass(frozen=True)
class Selection:
    scope: Scope  # passed to every analytics function
    country: Country | None  # the one country in view, when there is one
    filters: Filters
    args: dict[str, int | str]  # the query string that gives this selection, for links
    countries: list[Country] = field(default_factory=list)  # the viewer's, for the filter bar
    campaigns: list[Option] = field(default_factory=list)
    organisations: list[Option] = field(default_factory=list)
    role_profiles: list[Option] = field(default_factory=list)

    @property
    def countries_in_view(self) -> list[Country]:
        """The countries whose figures the request shows: the one picked, or all the viewer's."""
        return [self.country] if self.country is not None else self.countries

    @property
    def audit_country_id(self) -> int | None:
        return self.country.id if self.country else None

    @property
    def audit_details(self) -> dict[str, object]:
        return {"countries": "all" if self.scope is None else sorted(self.scope),
                "filters": {name: value for name, value in self.args.items() if name != "country"}}

    @property
    def file_suffix(self) -> str:
        """The end of a download's name: the country (or "all"), and "validated" for validated results
        only, so such a file is never taken for one of every result."""
        place = self.country.code if self.country else "all"
        return f"{place}-{VALIDATED}" if self.filters.validated_only else place


def release_for(config: Mapping[str, Any], countries: Sequence[Country]) -> Release:
    """The release layer (app.services.evaluation.release) for figures about ``countries``: the
    deployment's SMALL_CELL_K, or the highest a country among them has set for itself (a country may
    protect its officials more, never less), with DISCLOSURE_NOISE and DISCLOSURE_KEY."""
    k = max([int(config["SMALL_CELL_K"]), *(c.small_cell_k for c in countries if c.small_cell_k)])
    return Release.for_deployment(k, int(config["DISCLOSURE_NOISE"]), config["DISCLOSURE_KEY"])


def current_selection(session: Session) -> Selection:
    """The selection the query string asks for, checked against what the viewer may see (404 if
    not). Four statements, whatever the data."""
    countries = list(session.scalars(places.countries_query(current_user)))
    picked = _arg("country")
    if picked is not None:
        country = next((c for c in countries if c.id == picked), None)
        if country is None:
            abort(404)
        scope: Scope = frozenset({country.id})
    else:
        scope = visible_country_ids(current_user)
        country = countries[0] if len(countries) == 1 else None
    several = country is None

    campaigns = [Option(row.id, f"{row.name} ({row.cycle_label})" + (f", {row.code}" if several else ""))
                 for row in session.execute(
                     select(Campaign.id, Campaign.name, Campaign.cycle_label, Country.code)
                     .join(Country, Country.id == Campaign.country_id)
                     .where(in_scope(Campaign.country_id, scope))
                     .order_by(Campaign.opens_at.desc(), Campaign.id.desc()))]
    organisations = [Option(row.id, row.name + (f" ({row.code})" if several else ""))
                     for row in session.execute(
                         select(Organisation.id, Organisation.name, Country.code)
                         .join(Country, Country.id == Organisation.country_id)
                         .where(in_scope(Organisation.country_id, scope))
                         .order_by(Organisation.name, Country.code))]
    # Role profiles belong to the frameworks, not to a country: any of them may be picked.
    role_profiles = [Option(row.id, row.name) for row in session.execute(
        select(RoleProfile.id, RoleProfile.name).order_by(RoleProfile.name, RoleProfile.id))]

    filters = Filters(organisation_id=_known(_arg("organisation"), organisations),
                      role_profile_id=_known(_arg("role_profile"), role_profiles),
                      campaign_id=_known(_arg("campaign"), campaigns),
                      validated_only=_validated_only())
    args: dict[str, int | str] = {name: value for name, value in (
        ("country", picked), ("campaign", filters.campaign_id),
        ("organisation", filters.organisation_id), ("role_profile", filters.role_profile_id),
        ("results", VALIDATED if filters.validated_only else None))
        if value is not None}
    return Selection(scope, country, filters, args, countries, campaigns, organisations, role_profiles)


def _arg(name: str) -> int | None:
    """An id from the query string; empty means no filter, anything else not an id 404."""
    return arg_id(name)


def _validated_only() -> bool:
    """?results=: empty (every result) or "validated"; anything else is a 404, like a bad id."""
    raw = request.args.get("results", "").strip()
    if raw not in ("", VALIDATED):
        abort(404)
    return raw == VALIDATED


def _known(value: int | None, options: list[Option]) -> int | None:
    if value is not None and all(option.id != value for option in options):
        abort(404)
    return value
