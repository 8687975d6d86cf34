"""Forms of the assessment pages. The questions differ per section, so the page's inputs are rendered with
the GOV.UK macros from the questions, and read back here; Flask-WTF checks the CSRF token."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from app.services.assessment.questions import Question


class ActionForm(FlaskForm):
    """A button that changes something (start, save, submit): only its CSRF token is needed."""


def field_name(question: Question) -> str:
    return f"item-{question.item.id}"


def answers_from(formdata: MultiDict[str, Any], questions: Iterable[Question]) -> dict[int, Any]:
    """The raw answers a section page sent, by item id.

    A radio group or text box the official left alone is not sent, so it stays as it was. A group of
    checkboxes sends nothing when every box is cleared, and it is on the page, so that clears it.
    """
    answers: dict[int, Any] = {}
    for question in questions:
        name = field_name(question)
        if question.item.input == "multiple":
            answers[question.item.id] = formdata.getlist(name)
        elif name in formdata:
            answers[question.item.id] = formdata.get(name)
    return answers
