"""Only licences on a known list of open licences are called open: the app cannot know what an
unlisted licence (LicenseRef-..., or an SPDX id that is not open, such as a no-derivatives one) allows."""

import pytest

from app.services import catalogue


@pytest.mark.no_db
@pytest.mark.parametrize("licence", ["CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "OGL-UK-3.0", "MIT",
                                     "etalab-2.0"])
def test_known_open_licences_are_open(licence):
    assert catalogue.is_open_licence(licence)
    assert catalogue.licence_kind(licence) == "open"


@pytest.mark.no_db
@pytest.mark.parametrize("licence", ["LicenseRef-Provider-Terms", "CC-BY-ND-4.0", "CC-BY-NC-SA-4.0"])
def test_any_other_licence_is_to_be_checked(licence):
    assert not catalogue.is_open_licence(licence)
    assert catalogue.licence_kind(licence) == "check"


@pytest.mark.no_db
def test_free_access_is_neither_open_nor_to_check():
    assert not catalogue.is_open_licence(catalogue.FREE_ACCESS)
    assert catalogue.licence_kind(catalogue.FREE_ACCESS) == "free-access"
    assert not catalogue.is_open_licence("")
