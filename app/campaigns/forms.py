"""Forms of the campaign pages."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.ids import form_id
from app.models import Organisation, RoleProfile

TIME = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")


class DatePartsField(DateField):
    """A date typed in three boxes (day, month, year). A post with no parts is "not entered" (the
    InputRequired message); one with another number of parts is padded or cut to three, so it is an
    invalid date shown back in the boxes, not a crash of the date widget."""

    def process_formdata(self, valuelist):
        if not valuelist:
            self.raw_data = None
            return
        if len(valuelist) != 3:
            self.raw_data = [*valuelist, "", "", ""][:3]
        super().process_formdata(self.raw_data)


class CountryChoiceForm(FlaskForm):
    """First step for someone who sees several countries: which country the campaign is for."""

    class Meta:
        csrf = False

    country = SelectField(_l("Country"), coerce=form_id, widget=GovSelect())
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class CampaignForm(FlaskForm):
    name = StringField(_l("Campaign name"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter the campaign's name")), Length(max=200)])
    cycle_label = StringField(_l("Cycle"), widget=GovTextInput(),
                              description=_l("For example baseline, follow-up 1"),
                              validators=[DataRequired(_l("Enter the cycle label")), Length(max=60)])
    baseline = SelectField(_l("Follows"), coerce=form_id, default=0, widget=GovSelect(),
                           description=_l("A follow-up campaign names the campaign it repeats, so each "
                                          "official's results in the two pair up"))
    instrument = SelectField(_l("Questionnaire"), coerce=form_id, widget=GovSelect(),
                             validators=[InputRequired(_l("Choose the questionnaire"))])
    opens_date = DatePartsField(_l("Opens on"), format="%d %m %Y", widget=GovDateInput(),
                                validators=[InputRequired(_l("Enter the date the campaign opens"))])
    opens_time = StringField(_l("Opens at (24-hour time)"), widget=GovTextInput(), default="08:00",
                             validators=[Regexp(TIME, message=_l("Enter a time like 08:00"))])
    closes_date = DatePartsField(_l("Closes on"), format="%d %m %Y", widget=GovDateInput(),
                                 validators=[InputRequired(_l("Enter the date the campaign closes"))])
    closes_time = StringField(_l("Closes at (24-hour time)"), widget=GovTextInput(), default="23:59",
                              validators=[Regexp(TIME, message=_l("Enter a time like 17:00"))])
    scope = RadioField(_l("Organisations taking part"), widget=GovRadioInput(), default="all",
                       choices=[SelectChoice("all", _l("Every organisation of the country")),
                                SelectChoice("some", _l("Only the organisations chosen below"))])
    organisations = SelectMultipleField(_l("Organisations"), coerce=form_id, widget=GovCheckboxesInput())
    min_checks = IntegerField(
        _l("Answered knowledge checks a competency needs to be assessed"), default=2, widget=GovTextInput(),
        description=_l("Below this, a competency is \"not assessed\": no level and no gap, never level 0. "
                       "When a form offers fewer checks, all of them are needed."),
        validators=[Optional(), NumberRange(0, 6, _l("Enter a whole number from 0 to 6"))])
    without_self_rating = BooleanField(_l("A competency may be assessed without its self-rating"),
                                       widget=GovCheckboxInput())
    adaptive = BooleanField(
        _l("Adaptive: choose each next knowledge check from the official's answers so far"),
        widget=GovCheckboxInput(),
        description=_l("Officials answer fewer checks for the same precision; each section may ask a few "
                       "more questions after they continue."))
    submit = SubmitField(_l("Create campaign"), widget=GovSubmitInput())

    role_field_names: list[tuple[Organisation, str]]

    def validate_organisations(self, field) -> None:
        if self.scope.data == "some" and not field.data:
            raise ValidationError(_l("Choose at least one organisation"))

    def local_times(self) -> tuple[datetime, datetime]:
        """The window as entered: naive wall-clock times in the country's time zone."""
        def combine(day, clock: str) -> datetime:
            hours, minutes = (int(part) for part in clock.split(":"))
            return datetime(day.year, day.month, day.day, hours, minutes)

        return (combine(self.opens_date.data, self.opens_time.data),
                combine(self.closes_date.data, self.closes_time.data))

    def chosen_role_profiles(self) -> dict[int, int]:
        """Organisation id -> chosen default role profile id (0 for none)."""
        return {organisation.id: getattr(self, name).data or 0
                for organisation, name in self.role_field_names}


def campaign_form(organisations: list[Organisation], role_profiles: list[RoleProfile],
                  instruments: list[tuple[int, str]],
                  baselines: list[tuple[int, str]] | None = None) -> CampaignForm:
    """A campaign form with one default-role-profile choice per organisation of the country, and the
    country's campaigns (id, label) it may follow."""

    class Form(CampaignForm):
        pass

    names = []
    choices = [SelectChoice(0, _l("No default"))] + [
        SelectChoice(profile.id, f"{profile.name} ({profile.code})") for profile in role_profiles]
    for organisation in organisations:
        name = f"role_{organisation.id}"
        setattr(Form, name, SelectField(organisation.name, coerce=form_id, default=0, choices=choices,
                                        widget=GovSelect()))
        names.append((organisation, name))
    Form.role_field_names = names
    form = Form()
    form.instrument.choices = instruments
    form.baseline.choices = [SelectChoice(0, _l("None — this is a baseline"))] + [
        SelectChoice(campaign_id, label) for campaign_id, label in (baselines or [])]
    form.organisations.choices = [(o.id, o.name) for o in organisations]
    return form


class InviteUploadForm(FlaskForm):
    file = FileField(_l("Upload a CSV file"), widget=GovFileInput(),
                     validators=[FileRequired(_l("Choose a CSV file to upload"))])
    submit = SubmitField(_l("Check the file"), widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token is needed."""


class OrganisationAssessmentForm(FlaskForm):
    save = SubmitField(_l("Save as draft"), widget=GovSubmitInput())
    submit = SubmitField(_l("Submit the assessment"), widget=GovSubmitInput())

    item_fields: list[tuple[str, str]]  # (item code, field name)

    def answers(self) -> dict[str, str]:
        return {code: getattr(self, name).data for code, name in self.item_fields
                if getattr(self, name).data}

    def field_for(self, code: str):
        return next((getattr(self, name) for item_code, name in self.item_fields if item_code == code),
                    None)


def organisation_assessment_form(items, answers: dict[str, str]) -> OrganisationAssessmentForm:
    """One radio question per maturity item, filled in with the answers saved so far."""

    class Form(OrganisationAssessmentForm):
        pass

    fields = []
    for item in items:
        name = f"item_{item.id}"
        setattr(Form, name, RadioField(
            item.prompt, widget=GovRadioInput(), validate_choice=False,
            choices=[SelectChoice(str(option["value"]), option["label"]) for option in item.options],
            default=answers.get(item.code)))
        fields.append((item.code, name))
    Form.item_fields = fields
    return Form()
