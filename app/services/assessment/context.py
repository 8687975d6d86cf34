"""The context questions the individual instrument asks besides the competencies
(assessments/instruments/tna-individual.yaml): their codes, and reading the languages answer.

The languages answer lists the languages an official can learn in, first preference first. Its first
language is kept on the attempt when it is submitted (``Attempt.first_language``), so the content gaps
count demand per language without reading the answers of every latest attempt.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Answer, Item

LANGUAGES_ITEM, FORMATS_ITEM, HOURS_ITEM = "ctx-languages", "ctx-formats", "ctx-hours"
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")  # BCP 47, enough to tell "other" apart


def languages_from_answer(value: Any) -> tuple[str, ...]:
    """The BCP 47 codes among an answer to ctx-languages, in the order ticked (first ticked, first
    preference), without "other" or repeats."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    found: list[str] = []
    for code in value:
        if isinstance(code, str) and LANGUAGE_TAG.match(code) and code not in found:
            found.append(code)
    return tuple(found)


def primary(code: str) -> str:
    """A language tag's primary subtag, lower case: "fr-CA" -> "fr"."""
    return code.split("-")[0].lower()


def first_language(value: Any) -> str | None:
    """The first language ticked in a languages answer (primary subtag, lower case); None: none."""
    named = languages_from_answer(value)
    return primary(named[0]) if named else None


def attempt_first_language(session: Session, attempt_id: int) -> str | None:
    """The first language of an attempt's languages answer, as it stands. One statement."""
    value = session.scalar(select(Answer.value).join(Item, Item.id == Answer.item_id)
                           .where(Answer.attempt_id == attempt_id, Item.code == LANGUAGES_ITEM))
    return first_language(value)
