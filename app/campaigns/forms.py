"""Forms of the campaign pages."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import gettext as _
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
    StopValidation,
    ValidationError,
)

from app.ids import form_id
from app.models import Campaign, Organisation, RoleProfile
from app.services.assessment.campaign_edit import REMINDER_CHOICES
from app.services.assessment.campaigns import local_time

TIME = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")


class DatePartsField(DateField):
    """A date typed in three boxes (day, month, year), whose errors say in words what is wrong with it:
    ``what`` names it in them ("the closing date"). A post with no parts, or empty parts, is "not
    entered" (``required``); one with another number of parts is padded or cut to three, so it is shown
    back in the boxes, not a crash of the date widget."""

    def __init__(self, label, *, what, required, **kwargs) -> None:
        super().__init__(label, format="%d %m %Y", widget=GovDateInput(), **kwargs)
        self.what, self.required = what, required

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist:
            self.raw_data = None
            return
        self.raw_data = [*valuelist, "", "", ""][:3]
        parts = [part.strip() for part in self.raw_data]
        if not any(parts):
            return
        missing = [name for name, part in zip((_l("a day"), _l("a month"), _l("a year")), parts,
                                              strict=True) if not part]
        if missing:
            raise ValueError(_("%(what)s must include %(parts)s", what=self.what,
                               parts=_(" and ").join(str(m) for m in missing)))
        try:
            day, month, year = (int(part) for part in parts)
            if year < 1000:
                raise ValueError(year)
            self.data = date(year, month, day)
        except ValueError:
            raise ValueError(_("%(what)s must be a real date, for example 27 3 2027",
                               what=self.what)) from None

    def pre_validate(self, form) -> None:
        if not self.errors and self.data is None:
            raise StopValidation(self.required)


class CountryChoiceForm(FlaskForm):
    """First step for someone who sees several countries: which country the campaign is for."""

    class Meta:
        csrf = False

    country = SelectField(_l("Country"), coerce=form_id, widget=GovSelect(),
                          invalid_value_message=_l("Choose a country from the list"),
                          invalid_choice_message=_l("Choose a country from the list"))
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class CampaignForm(FlaskForm):
    name = StringField(_l("Campaign name"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter the campaign's name")), Length(max=200)])
    cycle_label = StringField(_l("Cycle"), widget=GovTextInput(),
                              description=_l("For example baseline, follow-up 1"),
                              validators=[DataRequired(_l("Enter the cycle label")), Length(max=60)])
    baseline = SelectField(_l("Follows"), coerce=form_id, default=0, widget=GovSelect(),
                           invalid_value_message=_l("Choose the campaign this one follows from the list"),
                           invalid_choice_message=_l("Choose the campaign this one follows from the list"),
                           description=_l("A follow-up campaign names the campaign it repeats, so each "
                                          "official's results in the two pair up"))
    instrument = SelectField(_l("Questionnaire"), coerce=form_id, widget=GovSelect(),
                             invalid_value_message=_l("Choose the questionnaire from the list"),
                             invalid_choice_message=_l("Choose the questionnaire from the list"),
                             validators=[InputRequired(_l("Choose the questionnaire"))])
    opens_date = DatePartsField(_l("Opens on"), what=_l("The opening date"),
                                required=_l("Enter the date the campaign opens"))
    opens_time = StringField(_l("Opens at (24-hour time)"), widget=GovTextInput(), default="08:00",
                             validators=[Regexp(TIME, message=_l("Enter the opening time as hours and "
                                                                 "minutes, for example 08:00"))])
    closes_date = DatePartsField(_l("Closes on"), what=_l("The closing date"),
                                 required=_l("Enter the date the campaign closes"))
    closes_time = StringField(_l("Closes at (24-hour time)"), widget=GovTextInput(), default="23:59",
                              validators=[Regexp(TIME, message=_l("Enter the closing time as hours and "
                                                                  "minutes, for example 17:00"))])
    scope = RadioField(_l("Organisations taking part"), widget=GovRadioInput(), default="all",
                       invalid_choice_message=_l("Choose every organisation or only those chosen below"),
                       choices=[SelectChoice("all", _l("Every organisation of the country")),
                                SelectChoice("some", _l("Only the organisations chosen below"))])
    organisations = SelectMultipleField(_l("Organisations"), coerce=form_id, widget=GovCheckboxesInput(),
                                        invalid_value_message=_l("Choose organisations from the list"),
                                        invalid_choice_message=_l("Choose organisations from the list"))
    min_checks = IntegerField(
        _l("Answered knowledge checks a competency needs to be assessed"), default=2, widget=GovTextInput(),
        description=_l("Below this, a competency is \"not assessed\": no level and no gap, never level 0. "
                       "When a form offers fewer checks, all of them are needed."),
        invalid_value_message=_l("Enter the number of knowledge checks as a whole number from 0 to 6, "
                                 "for example 2"),
        validators=[Optional(), NumberRange(0, 6, _l("Enter the number of knowledge checks as a whole "
                                                     "number from 0 to 6, for example 2"))])
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
                                        widget=GovSelect(),
                                        invalid_value_message=_l("Choose a role profile from the list"),
                                        invalid_choice_message=_l("Choose a role profile from the list")))
        names.append((organisation, name))
    Form.role_field_names = names
    form = Form()
    form.instrument.choices = instruments
    form.baseline.choices = [SelectChoice(0, _l("None — this is a baseline"))] + [
        SelectChoice(campaign_id, label) for campaign_id, label in (baselines or [])]
    form.organisations.choices = [(o.id, o.name) for o in organisations]
    return form


class CampaignEditForm(FlaskForm):
    """What may change once a campaign exists: its window, organisations and reminder schedule."""

    opens_date = CampaignForm.opens_date
    opens_time = CampaignForm.opens_time
    closes_date = CampaignForm.closes_date
    closes_time = CampaignForm.closes_time
    organisations = SelectMultipleField(
        _l("Organisations taking part"), coerce=form_id, widget=GovCheckboxesInput(),
        description=_l("An organisation where officials have started answering cannot be taken out. "
                       "Taking out one where nobody has started withdraws its invitations."),
        invalid_value_message=_l("Choose organisations from the list"),
        invalid_choice_message=_l("Choose organisations from the list"),
        validators=[DataRequired(_l("Choose at least one organisation"))])
    reminder_days = SelectMultipleField(
        _l("Send reminders automatically"), coerce=int, widget=GovCheckboxesInput(),
        description=_l("To the officials who have not submitted, this many days before the campaign "
                       "closes, at the closing time of day"),
        choices=[SelectChoice(d, _l("%(num)s days before closing", num=d) if d != 1
                              else _l("1 day before closing")) for d in REMINDER_CHOICES],
        invalid_value_message=_l("Choose reminder days from the list"),
        invalid_choice_message=_l("Choose reminder days from the list"))
    submit = SubmitField(_l("Save changes"), widget=GovSubmitInput())

    local_times = CampaignForm.local_times


def campaign_edit_form(campaign: Campaign, organisations: list[Organisation],
                       time_zone: str) -> CampaignEditForm:
    """The edit form over the country's ``organisations``, filled in with the campaign as it is."""
    opens, closes = (local_time(moment, time_zone) for moment in (campaign.opens_at, campaign.closes_at))
    form = CampaignEditForm(data={
        "opens_date": opens.date(), "opens_time": f"{opens:%H:%M}",
        "closes_date": closes.date(), "closes_time": f"{closes:%H:%M}",
        "organisations": [link.organisation_id for link in campaign.organisations],
        "reminder_days": list(campaign.reminder_days or []),
    })
    form.organisations.choices = [(o.id, o.name) for o in organisations]
    return form


class InviteUploadForm(FlaskForm):
    file = FileField(_l("Upload a CSV file"), widget=GovFileInput(),
                     validators=[FileRequired(_l("Choose a CSV file to upload"))])
    submit = SubmitField(_l("Check the file"), widget=GovSubmitInput())


MAX_ROW_CHOICES = 100  # beyond this many officials to move, one choice for them all


class MoveChoicesForm(FlaskForm):
    """What to do with each official an invitations file would move: keep them or move them."""

    row_fields: list[tuple[int, str]]  # (row number, field name)

    def choices(self) -> dict[int, str]:
        if hasattr(self, "move_all"):
            return {number: self.move_all.data for number in self.rows}
        return {number: getattr(self, name).data for number, name in self.row_fields}


def move_choices_form(warnings: list[dict]) -> MoveChoicesForm:
    """One keep-or-move question per warned row ({row, email, text, keep, move, ask}), or a single
    one for them all when there are more than MAX_ROW_CHOICES."""

    class Form(MoveChoicesForm):
        pass

    Form.rows = [w["row"] for w in warnings]
    Form.row_fields = []
    if len(warnings) > MAX_ROW_CHOICES:
        Form.move_all = RadioField(
            _l("What to do with these %(num)s officials", num=len(warnings)), widget=GovRadioInput(),
            choices=[SelectChoice("keep", _l("Keep each where they are")),
                     SelectChoice("move", _l("Move each as the file says"))],
            validators=[InputRequired(_l("Choose whether to keep these officials where they are or "
                                         "move them"))])
        return Form()
    for warning in warnings:
        name = f"move_{warning['row']}"
        setattr(Form, name, RadioField(
            warning["text"], widget=GovRadioInput(),
            choices=[SelectChoice("keep", warning["keep"]), SelectChoice("move", warning["move"])],
            validators=[InputRequired(warning["ask"])],
            invalid_choice_message=warning["ask"]))
        Form.row_fields.append((warning["row"], name))
    return Form()


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
