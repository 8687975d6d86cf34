"""The one strict id parser: ASCII digits, 1 to 2**63 - 1, nothing else."""

from __future__ import annotations

import pytest

from app.ids import MAX_ID, form_id, parse_id

pytestmark = pytest.mark.no_db


@pytest.mark.parametrize("raw, expected", [("1", 1), ("42", 42), ("007", 7), (str(MAX_ID), MAX_ID)])
def test_ascii_digits_within_64_bits_are_ids(raw, expected):
    assert parse_id(raw) == expected


@pytest.mark.parametrize("raw", [
    "", "0", "-1", "+1", " 1", "1 ", "1_000", "1.0", "1e3", "0x1f",
    "²", "٣", "１２", "߁",  # superscript, Arabic-Indic, full-width, N'Ko digits: int() takes some of them
    str(MAX_ID + 1), "99999999999999999999", "1" * 5000, None, 3, b"1",
])
def test_anything_else_is_not_an_id(raw):
    assert parse_id(raw) is None


def test_a_smaller_maximum_is_respected():
    assert parse_id("10", maximum=10) == 10
    assert parse_id("11", maximum=10) is None


def test_form_id_keeps_0_for_none_and_raises_value_error_for_the_rest():
    assert (form_id("0"), form_id(0), form_id("12"), form_id(12)) == (0, 0, 12, 12)
    for raw in ("²", "٣", "-1", str(MAX_ID + 1), "", None, True):
        with pytest.raises(ValueError):
            form_id(raw)
