"""The section page renders its questions with its own light macros (assess/_fields.html) and gives the
same page as the GOV.UK Frontend macros did: the same elements, classes, ids, names, values, labels, hints,
checked state and error messages, for every kind of item, answered or not, with and without errors.

The reference is the section template as it was (section_reference.html, kept verbatim), rendered in the
same request."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import render_template, render_template_string
from flask_login import login_user
from sqlalchemy import select

from app.assess.forms import ActionForm, field_name
from app.extensions import db
from app.models import Item, ItemKind
from app.models.base import utcnow
from app.services.assessment import answers, questions, taking
from tests.factories import CampaignFactory, InvitationFactory, make_framework, make_instrument
from tests.web.test_dashboard_queries import counting

REFERENCE = (Path(__file__).parent / "section_reference.html").read_text(encoding="utf-8")


class _Tokens(HTMLParser):
    """A page as a list of tags (with their attributes in order) and texts (whitespace collapsed)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.tokens.append(("<", tag, tuple(attrs)))

    def handle_endtag(self, tag):
        self.tokens.append((">", tag))

    def handle_data(self, data):
        text = " ".join(data.split())
        if text:
            self.tokens.append(("text", text))


def tokens(html: str) -> list[tuple]:
    parser = _Tokens()
    parser.feed(html)
    parser.close()
    return parser.tokens


@pytest.fixture
def attempt():
    """An attempt whose section 2 has an item of every kind: self-rating (levels with descriptors as
    hints), knowledge checks, and context items asking for several options, one option, a number and a
    text."""
    instrument = make_instrument(make_framework(competencies=2), knowledge_levels=(1, 2, 3))
    section = instrument.sections[1]
    tools = [{"value": "sheets", "label": "Spreadsheets & <charts>"}, {"value": "bi", "label": "BI tools"},
             {"value": "sql", "label": "SQL"}]
    extra = [("ctx-tools", "multiple", tools),
             ("ctx-access", "single", [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]),
             ("ctx-hours", "number", [{"min": 0, "max": 40}]),
             ("ctx-notes", "text", [])]
    for n, (code, kind, options) in enumerate(extra, start=100):
        instrument.items.append(Item(section=section, code=code, kind=ItemKind.CONTEXT, input=kind,
                                     prompt=f"Question <{code}>?", options=options, position=n))
    db.session.flush()
    invitation = InvitationFactory(campaign=CampaignFactory(instrument=instrument))
    return taking.start(db.session, invitation.user, invitation.campaign_id, utcnow())


def _items(attempt) -> dict[str, Item]:
    return {item.code: item for item in db.session.scalars(
        select(Item).where(Item.instrument_id == attempt.instrument_id))}


def _answer_some(attempt) -> None:
    items = _items(attempt)
    competency = attempt.instrument.framework.competencies[0].code
    answers.save_answers(db.session, attempt.id, attempt.user_id, {
        items[f"{competency}-self"].id: "2", items[f"{competency}-k1"].id: "c",
        items["ctx-tools"].id: ["bi", "sheets"], items["ctx-access"].id: "no",
        items["ctx-hours"].id: "12.5", items["ctx-notes"].id: 'Fish & "chips" <b>bold</b>'}, now=utcnow())


def _both(app, attempt, errors: dict[int, str], typed: dict[int, object] | None = None) -> tuple[str, str]:
    """The page rendered by today's template and by the reference, in one request (one CSRF token)."""
    page = questions.section_page(db.session, attempt, 2)
    for question in page.questions:
        if question.item.id in (typed or {}):
            question.value = typed[question.item.id]
    with app.test_request_context(f"/assess/attempts/{attempt.id}/sections/2"):
        login_user(attempt.user)
        context = {"attempt": attempt, "page": page, "form": ActionForm(), "errors": errors}
        return render_template("assess/section.html", **context), render_template_string(REFERENCE, **context)


def test_every_kind_of_item_unanswered_renders_as_the_govuk_macros_did(app, attempt):
    new, old = _both(app, attempt, {})
    assert tokens(new) == tokens(old)
    assert new.count('type="radio"') == old.count('type="radio"') > 20


def test_answered_items_render_checked_and_filled_as_the_govuk_macros_did(app, attempt):
    _answer_some(attempt)
    new, old = _both(app, attempt, {})
    assert tokens(new) == tokens(old)
    assert new.count(" checked") == 5  # a level, a check, two tools, one access
    assert 'value="12.5"' in new and "Fish &amp; &#34;chips&#34; &lt;b&gt;bold&lt;/b&gt;" in new


def test_error_messages_render_as_the_govuk_macros_did_for_every_kind(app, attempt):
    _answer_some(attempt)
    page = questions.section_page(db.session, attempt, 2)
    errors = {q.item.id: f"Wrong <{q.item.code}>" for q in page.questions}
    typed = {q.item.id: "lots" for q in page.questions if q.item.input == "number"}
    new, old = _both(app, attempt, errors, typed)
    assert tokens(new) == tokens(old)
    for question in page.questions:  # each error is linked from the summary and said at its field
        name = field_name(question)
        assert f'href="#{name}"' in new and f'id="{name}-error"' in new and f' id="{name}"' in new
    assert 'value="lots"' in new and new.count("govuk-form-group--error") == len(page.questions)


def test_the_page_through_the_route_shows_a_refused_answer_and_keeps_what_was_typed(browser, attempt):
    hours = _items(attempt)["ctx-hours"]
    browser.sign_in_as(attempt.user)
    url = f"/assess/attempts/{attempt.id}/sections/2"
    response = browser.post(url, {f"item-{hours.id}": "a hundred", "action": "continue"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="govuk-error-summary' in page and f'href="#item-{hours.id}"' in page
    assert f'<p id="item-{hours.id}-error" class="govuk-error-message">' in page
    assert 'value="a hundred"' in page and "govuk-input--error" in page


def test_autosave_counts_progress_in_the_transaction_that_saved_the_answer(browser, attempt):
    item = _items(attempt)["ctx-access"]
    browser.sign_in_as(attempt.user)
    page = browser.get(f"/assess/attempts/{attempt.id}/sections/2").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    total = questions.progress(db.session, attempt)[1]
    url, item_id = f"/assess/attempts/{attempt.id}/answers", item.id
    with browser.client.application.app_context():
        engine = db.engine
    with counting(engine) as statements:
        response = browser.client.post(url, json={"item": item_id, "value": "yes"},
                                       headers={"X-CSRFToken": token})
    assert response.get_json() == {"saved": True, "item": item_id, "answered": 1, "total": total}
    reads = [s for s in statements if "FROM attempts" in s]
    assert len(reads) == 1, reads  # the claim: the attempt is not read again after the commit
