"""Taking an assessment (officials): their campaigns, one page per section, autosave, review, submission
and the result page. An official only ever reaches their own attempts; anything else is a 404."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.assess import bp
from app.assess.forms import ActionForm, answers_from, field_name
from app.authz import Scope, signed_in
from app.extensions import db
from app.formatting import datetime_text
from app.ids import json_id
from app.json_input import BadJSON, json_body
from app.learn.refresh import refresh_plan_quietly
from app.models import Attempt, AttemptStatus
from app.models.base import utcnow
from app.services.assessment import (
    answers,
    next_step,
    questions,
    report,
    submission,
    taking,
    validation,
    window,
)
from app.services.assessment.window import AlreadySubmitted, OutsideWindow
from app.services.errors import NotFound, ValidationFailed


def _when(moment: datetime, time_zone: str) -> str:
    """"3 March 2027 at 09:00" in the campaign's country's time zone."""
    return datetime_text(moment, time_zone)


def _window_message(exc: OutsideWindow) -> str:
    when = _when(exc.at, exc.time_zone)
    if exc.state == "not_open":
        return _("This assessment opens on %(when)s (%(zone)s)", when=when, zone=exc.time_zone)
    return _("This assessment closed on %(when)s (%(zone)s)", when=when, zone=exc.time_zone)


@bp.context_processor
def _helpers() -> dict:
    return {"when": _when, "window_end": window.window_end, "field_name": field_name}


def _own(attempt_id: int) -> Attempt:
    try:
        return taking.own_attempt(db.session, current_user, attempt_id)
    except NotFound:
        abort(404)


def _begin_write() -> int:
    """The signed-in user's id, with the transaction their sign-in check read in ended.

    The service's first statement then starts a transaction of its own with a write: SQLite lets such a
    writer wait its turn, while one that has already read fails ("database is locked") if another
    request committed in between.
    """
    user_id = current_user.id
    db.session.commit()
    return user_id


def _blocked(exc: AlreadySubmitted | OutsideWindow, attempt_id: int):
    """Back to the results (submitted) or the list (window not open), saying why."""
    if isinstance(exc, AlreadySubmitted):
        flash(_("You have already submitted this assessment, so its answers can no longer change."),
              "error")
        return redirect(url_for("assess.results", attempt_id=attempt_id))
    flash(_window_message(exc), "error")
    return redirect(url_for("assess.index"))


# Your assessments -----------------------------------------------------------------------------------

@bp.get("/")
@signed_in(Scope.OWN)
def index():
    found = taking.assignments(db.session, current_user, utcnow())
    return render_template("assess/index.html", assignments=found, form=ActionForm())


@bp.get("/campaigns/<int:campaign_id>")
@signed_in(Scope.OWN)
def campaign(campaign_id: int):
    try:
        found = taking.assignment(db.session, current_user, campaign_id, utcnow())
    except NotFound:
        abort(404)
    return render_template("assess/campaign.html", assignment=found, form=ActionForm(),
                           estimate=next_step.estimate(db.session, found))


@bp.post("/campaigns/<int:campaign_id>/start")
@signed_in(Scope.OWN)
def start(campaign_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        attempt = taking.start(db.session, current_user, campaign_id, utcnow())
    except NotFound:
        abort(404)
    except OutsideWindow as exc:
        flash(_window_message(exc), "error")
        return redirect(url_for("assess.campaign", campaign_id=campaign_id))
    db.session.commit()
    return redirect(url_for("assess.resume", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@signed_in(Scope.OWN)
def resume(attempt_id: int):
    """Where the official stopped, on whichever device they stopped on."""
    attempt = _own(attempt_id)
    if attempt.status == AttemptStatus.SUBMITTED:
        return redirect(url_for("assess.results", attempt_id=attempt.id))
    count = len(taking.sections(db.session, attempt))
    if attempt.last_section >= count:
        return redirect(url_for("assess.review", attempt_id=attempt.id))
    return redirect(url_for("assess.section", attempt_id=attempt.id, number=attempt.last_section + 1))


# Answering --------------------------------------------------------------------------------------------

def _section_or_404(attempt: Attempt, number: int) -> questions.SectionPage:
    try:
        return questions.section_page(db.session, attempt, number)
    except NotFound:
        abort(404)


@bp.route("/attempts/<int:attempt_id>/sections/<int:number>", methods=["GET", "POST"])
@signed_in(Scope.OWN)
def section(attempt_id: int, number: int):
    attempt = _own(attempt_id)
    if attempt.status == AttemptStatus.SUBMITTED:
        return _blocked(AlreadySubmitted(), attempt_id)
    try:
        window.check_window(attempt.campaign, utcnow())
    except OutsideWindow as exc:
        return _blocked(exc, attempt_id)
    page = _section_or_404(attempt, number)
    form = ActionForm()
    errors: dict[int, str] = {}
    from_review = request.args.get("from") == "review"  # "Change" on the review page leads back there
    if form.validate_on_submit():
        given = answers_from(request.form, page.questions)
        later = request.form.get("action") == "later"
        user_id = _begin_write()
        try:
            errors = answers.save_answers(db.session, attempt_id, user_id, given, now=utcnow(),
                                           section=number - 1, advance=not later,
                                           keep_furthest=from_review)
        except (AlreadySubmitted, OutsideWindow) as exc:
            db.session.rollback()
            return _blocked(exc, attempt_id)
        db.session.commit()
        if not errors:
            if later:
                flash(_("Your answers are saved. Come back to this assessment at any time before it "
                        "closes, from any device."), "success")
                return redirect(url_for("assess.index"))
            if attempt.campaign.adaptive and attempt.last_section == number - 1:
                flash(_("Thank you. Based on your answers, there are more questions in this section."),
                      "success")
                return redirect(url_for("assess.section", attempt_id=attempt_id, number=number,
                                        **({"from": "review"} if from_review else {})))
            if number < page.count and not from_review:
                return redirect(url_for("assess.section", attempt_id=attempt_id, number=number + 1))
            return redirect(url_for("assess.review", attempt_id=attempt_id))
        page = _section_or_404(attempt, number)
        for question in page.questions:  # show what was typed, so it can be corrected
            if question.item.id in errors:
                question.value = given.get(question.item.id)
    return render_template("assess/section.html", attempt=attempt, page=page, form=form, errors=errors,
                           from_review=from_review)


@bp.post("/attempts/<int:attempt_id>/answers")
@signed_in(Scope.OWN)
def autosave(attempt_id: int):
    """Save one answer as it is given: JSON {"item": id, "value": ...}; CSRF in the X-CSRFToken header."""
    try:
        payload = json_body()
    except BadJSON as exc:
        return jsonify(saved=False, error=str(exc)), 400
    item_id = json_id(payload.get("item")) if isinstance(payload, dict) else None
    if item_id is None:
        return jsonify(saved=False, error=_('Send JSON {"item": <item id>, "value": <answer>}')), 400
    user_id = _begin_write()
    try:
        answers.save_answer(db.session, attempt_id, user_id, item_id, payload.get("value"), now=utcnow())
    except NotFound:
        db.session.rollback()
        return jsonify(saved=False, error=_("There is no such assessment")), 404
    except ValidationFailed as exc:
        db.session.rollback()
        return jsonify(saved=False, item=item_id, error=str(exc)), 400
    except AlreadySubmitted:
        db.session.rollback()
        return jsonify(saved=False, error=_("You have already submitted this assessment, so its "
                                            "answers can no longer change.")), 409
    except OutsideWindow as exc:
        db.session.rollback()
        return jsonify(saved=False, error=_window_message(exc)), 409
    # counted before the commit: in the transaction that wrote the answer, with the attempt still loaded
    answered, total = questions.progress(db.session, db.session.get_one(Attempt, attempt_id))
    db.session.commit()
    return jsonify(saved=True, item=item_id, answered=answered, total=total)


# Review and submission -----------------------------------------------------------------------------------

@bp.get("/attempts/<int:attempt_id>/review")
@signed_in(Scope.OWN)
def review(attempt_id: int):
    attempt = _own(attempt_id)
    if attempt.status == AttemptStatus.SUBMITTED:
        return redirect(url_for("assess.results", attempt_id=attempt.id))
    pages = questions.review(db.session, attempt)
    unanswered = sum(not q.answered for page in pages for q in page.questions)
    return render_template("assess/review.html", attempt=attempt, pages=pages, unanswered=unanswered,
                           pending=questions.pending(db.session, attempt, pages), form=ActionForm(),
                           confirm_error=request.args.get("confirm") == "needed")


@bp.post("/attempts/<int:attempt_id>/submit")
@signed_in(Scope.OWN)
def submit(attempt_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    user_id = _begin_write()
    try:
        outcome = submission.submit(db.session, attempt_id, user_id, utcnow(),
                                    confirmed=request.form.get("confirm") == "yes")
    except NotFound:
        abort(404)
    except submission.NeedsConfirmation:
        db.session.rollback()
        return redirect(url_for("assess.review", attempt_id=attempt_id, confirm="needed") + "#confirm")
    except OutsideWindow as exc:
        db.session.rollback()
        return _blocked(exc, attempt_id)
    db.session.commit()
    if outcome.submitted_now:
        refresh_plan_quietly(current_user)
        flash(_("Your assessment is submitted. Thank you."), "success")
    else:
        flash(_("You had already submitted this assessment; nothing has changed."), "success")
    return redirect(url_for("assess.results", attempt_id=attempt_id))


# Results ------------------------------------------------------------------------------------------------

@bp.get("/attempts/<int:attempt_id>/results")
@signed_in(Scope.OWN)
def results(attempt_id: int):
    attempt = _own(attempt_id)
    if attempt.status != AttemptStatus.SUBMITTED:
        flash(_("Your results appear here once you have submitted the assessment."), "error")
        return redirect(url_for("assess.resume", attempt_id=attempt.id))
    page = report.result_page(db.session, attempt, utcnow())
    return render_template("assess/results.html", attempt=attempt, page=page,
                           managers=validation.manager_view(db.session, attempt),
                           review_pending=validation.review_pending(attempt))
