"""Forms of the catalogue pages: search, suggest, publish, reject."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.services import catalogue

SORT_LABELS = {"relevance": _l("Relevance"), "title": _l("Title"),
               "hours": _l("Shortest first"), "reviewed": _l("Recently reviewed")}
FORMAT_LABELS = {"course": _l("Course"), "video": _l("Video"), "guide": _l("Guide"),
                 "toolkit": _l("Toolkit"), "community": _l("Community"), "book": _l("Book")}
ACCESSIBILITY_LABELS = {"captions": _l("Captions"), "transcript": _l("Transcript"),
                        "screen_reader": _l("Works with a screen reader")}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class FilterField(SelectField):
    """A filter's select list whose refusal is in words (``invalid``: "Choose a format from the
    list"), not the library's "Not a valid choice"."""

    def __init__(self, *args, invalid: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invalid = invalid

    def pre_validate(self, form) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.invalid) from None


class HoursField(FloatField):
    """Hours as people write them (2.5 or 2,5); anything else is explained in words."""

    def process_formdata(self, valuelist) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = float(text.replace(",", "."))
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter the hours as a number, for example 2.5")) from None


class SearchForm(FlaskForm):
    """GET filters: no CSRF needed, nothing changes. Choices that come from the data are set by the view."""

    class Meta:
        csrf = False

    q = StringField(_l("Search the catalogue"), widget=GovTextInput(),
                    description=_l("Words in the title, description or provider"),
                    validators=[Length(max=200, message=_l("Search for 200 characters or fewer"))])
    competency = FilterField(_l("Competency"), widget=GovSelect(), default="",
                             invalid=_l("Choose a competency from the list"))
    level = FilterField(_l("Level"), widget=GovSelect(), default="",
                        description=_l("Material whose level range includes it"),
                        invalid=_l("Choose a level from the list"))
    language = FilterField(_l("Language"), widget=GovSelect(), default="",
                           invalid=_l("Choose a language from the list"))
    format = FilterField(_l("Format"), widget=GovSelect(), default="",
                         choices=[SelectChoice("", _l("Any format"))] + _choices(FORMAT_LABELS),
                         invalid=_l("Choose a format from the list"))
    licence = FilterField(_l("Licence"), widget=GovSelect(), default="", choices=[
        SelectChoice("", _l("Any licence")),
        SelectChoice("open", _l("Open licence (can be reused and adapted)")),
        SelectChoice(catalogue.FREE_ACCESS, _l("Free to access only"))],
        invalid=_l("Choose a licence from the list"))
    cost = FilterField(_l("Cost"), widget=GovSelect(), default="", choices=[
        SelectChoice("", _l("Free or paid")), SelectChoice("free", _l("Free")),
        SelectChoice("paid", _l("Paid"))], invalid=_l("Choose free or paid from the list"))
    max_hours = HoursField(_l("At most this many hours"), widget=GovTextInput(),
                           validators=[Optional(), NumberRange(min=0, max=10000, message=_l(
                               "Enter a number of hours from 0 to 10,000"))])
    offline = BooleanField(_l("Can be studied offline"), widget=GovCheckboxInput())
    sort = FilterField(_l("Sort by"), widget=GovSelect(), default="relevance", choices=_choices(SORT_LABELS),
                       invalid=_l("Choose an order from the list"))
    submit = SubmitField(_l("Apply"), widget=GovSubmitInput())


class SuggestForm(FlaskForm):
    url = StringField(_l("Web address"), widget=GovTextInput(),
                      description=_l("The page where the material is, starting with https://"),
                      validators=[DataRequired(_l("Enter the web address")), Length(max=1000, message=_l(
                          "Enter a web address of 1,000 characters or fewer"))])
    title = StringField(_l("Title (optional)"), widget=GovTextInput(),
                        validators=[Length(max=300, message=_l(
                            "Write the title in 300 characters or fewer"))])
    reason = TextAreaField(_l("Why it helps"), widget=GovTextArea(),
                           description=_l("What it teaches, who it suits, and in which language"),
                           validators=[DataRequired(_l("Say why it helps")), Length(max=4000, message=_l(
                               "Say why it helps in 4,000 characters or fewer"))])
    submit = SubmitField(_l("Send suggestion"), widget=GovSubmitInput())


def optional_int(value) -> int | None:
    """A picked id or level: None when nothing (or something that is not a number) was picked; the
    service then says what to choose, in words."""
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


class CompetencyRow(Form):
    """One competency the resource teaches, from one level to another (choices set by the view)."""

    competency = SelectField(_l("Competency"), widget=GovSelect(), coerce=optional_int,
                             validate_choice=False)
    level_from = SelectField(_l("From level"), widget=GovSelect(), coerce=optional_int,
                             validate_choice=False)
    level_to = SelectField(_l("To level"), widget=GovSelect(), coerce=optional_int, validate_choice=False)


class PublishForm(FlaskForm):
    """Every rule is the service's (app/services/learning/resource_details.py), which reports every
    problem at once in plain words; the form only reads the inputs (no choice or number is refused
    here with a library's message)."""

    title = StringField(_l("Title"), widget=GovTextInput())
    provider = StringField(_l("Provider"), widget=GovTextInput(),
                           description=_l("Who made it, for example Government Digital Service (UK)"))
    url = StringField(_l("Web address"), widget=GovTextInput())
    licence = SelectField(_l("Licence"), widget=GovSelect(), validate_choice=False,
                          description=_l("Type to search, or choose from the list. Only the licences "
                                         "marked open are shown to officials as free to reuse and adapt."))
    licence_other = StringField(_l("Another licence (optional)"), widget=GovTextInput(),
                                description=_l("If you chose “Another licence”: its id, LicenseRef- "
                                               "followed by a name, for example LicenseRef-Provider-Terms"))
    languages = StringField(_l("Languages"), widget=GovTextInput(),
                            description=_l("Language tags separated by commas, for example en, fr"),
                            validators=[Length(max=500, message=_l(
                                "Enter the languages in 500 characters or fewer"))])
    format = SelectField(_l("Format"), widget=GovSelect(), validate_choice=False,
                         choices=[SelectChoice("", _l("Choose a format"))] + _choices(FORMAT_LABELS))
    hours = StringField(_l("Estimated hours"), widget=GovTextInput(),
                        description=_l("A number, for example 2.5"))
    cost = RadioField(_l("Cost"), widget=GovRadioInput(), default="free", validate_choice=False,
                      choices=[SelectChoice("free", _l("Free")), SelectChoice("paid", _l("Paid"))])
    certificate = BooleanField(_l("Offers a certificate"), widget=GovCheckboxInput())
    offline = BooleanField(_l("Can be downloaded to study offline"), widget=GovCheckboxInput())
    accessibility = SelectMultipleField(_l("Accessibility"), widget=GovCheckboxesInput(),
                                        validate_choice=False, choices=_choices(ACCESSIBILITY_LABELS))
    competencies = FieldList(FormField(CompetencyRow), min_entries=3)
    prerequisites = FieldList(SelectField(_l("Resource to take first"), widget=GovSelect(),
                                          validate_choice=False), min_entries=2)
    description = TextAreaField(_l("Description"), widget=GovTextArea(),
                                description=_l("Markdown: what it covers and who it suits, in two to "
                                               "four sentences of our own"),
                                validators=[Length(max=10_000, message=_l(
                                    "Write the description in 10,000 characters or fewer"))])
    confirmed = HiddenField()
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), widget=GovTextArea(),
                           description=_l("The person who suggested it will see this"),
                           validators=[DataRequired(_l("Say why it is rejected")),
                                       Length(max=2000, message=_l("Say why in 2,000 characters or fewer"))])
    submit = SubmitField(_l("Reject suggestion"), widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token is needed."""
