"""Forms of the line-manager pages. Every one carries a CSRF token."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from app.models import CompetencyResult, ResultSource
from app.services.assessment.validation import MAX_REASON, Decision, ReviewPage


class ManagerForm(FlaskForm):
    manager_email = StringField(
        _l("Your line manager's email address"), widget=GovTextInput(),
        description=_l("Someone with an account in your organisation. Leave it empty to name nobody."),
        validators=[Optional(), Length(max=254, message=_l("An email address is at most 254 characters"))])
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    """One level and one reason per competency (fields ``level_<id>`` and ``reason_<id>``)."""

    submit = SubmitField(_l("Save the review"), widget=GovSubmitInput())

    rows: list[tuple[CompetencyResult, str, str]]  # result, level field name, reason field name

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for result, level_name, reason_name in self.rows:
            level, reason = self[level_name].data, self[reason_name]
            if level not in ("", None) and int(level) != result.estimated_level \
                    and not (reason.data or "").strip():
                reason.errors = [*reason.errors, _(
                    "%(competency)s: say why you give a level other than the estimate",
                    competency=result.competency.name)]
                valid = False
        return valid

    def decisions(self) -> dict[int, Decision]:
        return {result.competency_id: Decision(
                    None if self[level_name].data in ("", None) else int(self[level_name].data),
                    self[reason_name].data or "")
                for result, level_name, reason_name in self.rows}


def _current(result: CompetencyResult) -> str:
    """What the level field shows first: the manager's earlier decision, else the estimate."""
    level = result.manager_level if result.source == ResultSource.VALIDATED else result.estimated_level
    return "" if level is None else str(level)


def review_form(page: ReviewPage) -> ReviewForm:
    """The review form of ``page``: a not-assessed competency may stay not assessed, others may not."""

    class Form(ReviewForm):
        pass

    levels = [SelectChoice(str(level), f"{level} {name}".strip()) for level, name in page.levels.items()]
    rows = []
    for result in page.results:
        level_name, reason_name = f"level_{result.competency_id}", f"reason_{result.competency_id}"
        choices = ([SelectChoice("", _("Not assessed"))] if result.estimated_level is None else []) + levels
        setattr(Form, level_name, SelectField(_l("Level"), choices=choices, default=_current(result),
                                              widget=GovSelect()))
        setattr(Form, reason_name, TextAreaField(
            _l("Reason"), default=result.manager_reason, widget=GovTextArea(),
            description=_l("Needed when the level is not the estimate; at most %(max)s characters",
                           max=MAX_REASON),
            validators=[Optional(), Length(max=MAX_REASON, message=_l(
                "%(competency)s: the reason must be %(max)s characters or fewer",
                competency=result.competency.name, max=MAX_REASON))]))
        rows.append((result, level_name, reason_name))
    Form.rows = rows
    return Form()
