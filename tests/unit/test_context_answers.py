"""Reading the languages answer (app.services.assessment.context): the first language ticked."""

import pytest

from app.services.assessment.context import first_language, languages_from_answer


@pytest.mark.parametrize(("value", "first"), [
    (["fr-CA", "en"], "fr"), (["other", "PT"], "pt"), ("sw", "sw"), ([], None), (None, None),
    (["other"], None), ({"en": True}, None), ([3, "en"], "en")])
def test_the_first_language_is_the_primary_subtag_of_the_first_real_tag(value, first):
    assert first_language(value) == first


def test_languages_keep_the_order_ticked_without_repeats_or_other():
    assert languages_from_answer(["fr", "other", "en", "fr"]) == ("fr", "en")
