"""Forms of the evaluation pages. Every one that changes something carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.ids import form_id

APPLIED_CHOICES = [
    SelectChoice("yes", _l("Yes")),
    SelectChoice("partly", _l("Partly")),
    SelectChoice("no", _l("No")),
]
FREQUENCY_CHOICES = [
    SelectChoice("daily", _l("Daily")),
    SelectChoice("weekly", _l("Weekly")),
    SelectChoice("monthly", _l("Monthly")),
    SelectChoice("rarely", _l("Rarely")),
    SelectChoice("never", _l("Never")),
]
BARRIER_CHOICES = [
    SelectChoice("no_time", _l("No time")),
    SelectChoice("no_opportunity", _l("No opportunity to use it")),
    SelectChoice("no_manager_support", _l("No support from my manager")),
    SelectChoice("no_tools", _l("No tools or access")),
    SelectChoice("not_relevant", _l("The training did not fit my work")),
    SelectChoice("other", _l("Something else")),
]


class FollowUpForm(FlaskForm):
    applied = RadioField(_l("Have you applied what you learned at work?"), choices=APPLIED_CHOICES,
                         widget=GovRadioInput(),
                         validators=[InputRequired(_l("Say whether you have applied what you learned"))])
    frequency = RadioField(_l("How often do you use it?"), choices=FREQUENCY_CHOICES,
                           widget=GovRadioInput(), validators=[InputRequired(_l("Say how often you use it"))])
    barriers = SelectMultipleField(_l("Did anything stop you from using it?"), choices=BARRIER_CHOICES,
                                   widget=GovCheckboxesInput(), description=_l("Select all that apply"))
    comment = TextAreaField(_l("Anything else you want to tell us? (optional)"), widget=GovTextArea(),
                            description=_l("Needed when you choose something else"),
                            validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Send my answers"), widget=GovSubmitInput())


class IndicatorForm(FlaskForm):
    country = SelectField(_l("Country"), coerce=form_id, widget=GovSelect())
    name = StringField(_l("Name"), widget=GovTextInput(),
                       description=_l("For example Services moved online, or User satisfaction"),
                       validators=[DataRequired(_l("Enter the indicator's name")), Length(max=200)])
    unit = StringField(_l("Unit (optional)"), widget=GovTextInput(),
                       description=_l("For example %, services, days"),
                       validators=[Optional(), Length(max=40)])
    description = TextAreaField(_l("What it measures and where the figures come from (optional)"),
                                widget=GovTextArea(), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save indicator"), widget=GovSubmitInput())


class ValueForm(FlaskForm):
    organisation = SelectField(_l("Organisation"), coerce=form_id, widget=GovSelect())
    period = StringField(_l("Period"), widget=GovTextInput(),
                         description=_l("A year (2026), a quarter (2026-Q3) or a month (2026-09)"),
                         validators=[DataRequired(_l("Enter the period")), Length(max=20)])
    value = StringField(_l("Value"), widget=GovTextInput(),
                        description=_l("A number, like 1234.5"),
                        validators=[DataRequired(_l("Enter the value")), Length(max=40)])
    submit = SubmitField(_l("Save value"), widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token is needed."""
