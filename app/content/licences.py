"""Licence identifiers of the catalogue: an SPDX licence id, a ``LicenseRef-...`` id, or ``free-access``.

The SPDX ids come from the SPDX License List as shipped by aboutcode's license-expression package
(its scancode-licensedb index records the SPDX list version, 3.27 in license-expression 30.4.4), so the
list is the real one and is updated with the package, not by hand.
"""

from __future__ import annotations

import re
from functools import cache

from license_expression import get_license_index

FREE_ACCESS = "free-access"  # free to use, but not under an open licence
LICENSE_REF = re.compile(r"^LicenseRef-[A-Za-z0-9][A-Za-z0-9.-]*$")  # SPDX: LicenseRef-[idstring]


@cache
def spdx_ids() -> dict[str, str]:
    """Every licence id of the SPDX License List (exceptions left out), keyed by its lower case."""
    ids = {}
    for entry in get_license_index():
        key = entry.get("spdx_license_key") or ""
        if key and not key.startswith("LicenseRef-") and not entry.get("is_exception"):
            ids[key.lower()] = key
    return ids


@cache
def _deprecated_spdx_ids() -> dict[str, str]:
    """Older SPDX spellings (e.g. GPL-2.0+) -> the id the list uses now (GPL-2.0-or-later)."""
    older = {}
    for entry in get_license_index():
        key = entry.get("spdx_license_key") or ""
        for other in entry.get("other_spdx_license_keys") or ():
            if key and not other.startswith("LicenseRef-"):
                older[other.lower()] = key
    return older


def licence_problem(value: str) -> str | None:
    """Why ``value`` is not a licence the catalogue accepts, or None when it is one, spelt as SPDX
    spells it (ids are exact: write CC-BY-4.0, not cc-by-4.0)."""
    if value == FREE_ACCESS or LICENSE_REF.match(value) or spdx_ids().get(value.lower()) == value:
        return None
    known = spdx_ids().get(value.lower()) or _deprecated_spdx_ids().get(value.lower())
    if known:
        return f"{value} is spelt {known} in the SPDX License List: write {known}"
    if value.lower() == FREE_ACCESS:
        return f"write {FREE_ACCESS} in lower case"
    if value.lower().startswith("licenseref-"):
        return ("a LicenseRef- id is LicenseRef- followed by letters, digits, '.' and '-' only, "
                "e.g. LicenseRef-Etalab-1.0")
    return (f"{value} is not in the SPDX License List: give an SPDX id such as CC-BY-4.0 or "
            f"OGL-UK-3.0, LicenseRef-<name> for a licence SPDX does not list, or {FREE_ACCESS} for "
            "material that is free to use but not openly licensed")
