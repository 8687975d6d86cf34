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
    FloatField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.services import catalogue

SORT_LABELS = {"relevance": _l("Relevance"), "title": _l("Title"),
               "hours": _l("Shortest first"), "reviewed": _l("Recently reviewed")}
FORMAT_LABELS = {"course": _l("Course"), "video": _l("Video"), "guide": _l("Guide"),
                 "toolkit": _l("Toolkit"), "community": _l("Community"), "book": _l("Book")}
ACCESSIBILITY_LABELS = {"captions": _l("Captions"), "transcript": _l("Transcript"),
                        "screen_reader": _l("Works with a screen reader")}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class SearchForm(FlaskForm):
    """GET filters: no CSRF needed, nothing changes. Choices that come from the data are set by the view."""

    class Meta:
        csrf = False

    q = StringField(_l("Search the catalogue"), widget=GovTextInput(),
                    description=_l("Words in the title, description or provider"),
                    validators=[Length(max=200, message=_l("Search for 200 characters or fewer"))])
    competency = SelectField(_l("Competency"), widget=GovSelect(), default="")
    level = SelectField(_l("Level"), widget=GovSelect(), default="",
                        description=_l("Material whose level range includes it"))
    language = SelectField(_l("Language"), widget=GovSelect(), default="")
    format = SelectField(_l("Format"), widget=GovSelect(), default="",
                         choices=[SelectChoice("", _l("Any format"))] + _choices(FORMAT_LABELS))
    licence = SelectField(_l("Licence"), widget=GovSelect(), default="", choices=[
        SelectChoice("", _l("Any licence")),
        SelectChoice("open", _l("Open licence (can be reused and adapted)")),
        SelectChoice(catalogue.FREE_ACCESS, _l("Free to access only"))])
    cost = SelectField(_l("Cost"), widget=GovSelect(), default="", choices=[
        SelectChoice("", _l("Free or paid")), SelectChoice("free", _l("Free")),
        SelectChoice("paid", _l("Paid"))])
    max_hours = FloatField(_l("At most this many hours"), widget=GovTextInput(),
                           validators=[Optional(), NumberRange(min=0, max=10000,
                                                               message=_l("Enter a number of hours"))])
    offline = BooleanField(_l("Can be studied offline"), widget=GovCheckboxInput())
    sort = SelectField(_l("Sort by"), widget=GovSelect(), default="relevance", choices=_choices(SORT_LABELS))
    submit = SubmitField(_l("Apply"), widget=GovSubmitInput())


class SuggestForm(FlaskForm):
    url = StringField(_l("Web address"), widget=GovTextInput(),
                      description=_l("The page where the material is, starting with https://"),
                      validators=[DataRequired(_l("Enter the web address")), Length(max=1000)])
    title = StringField(_l("Title (optional)"), widget=GovTextInput(),
                        validators=[Length(max=300)])
    reason = TextAreaField(_l("Why it helps"), widget=GovTextArea(),
                           description=_l("What it teaches, who it suits, and in which language"),
                           validators=[DataRequired(_l("Say why it helps")), Length(max=4000)])
    submit = SubmitField(_l("Send suggestion"), widget=GovSubmitInput())


class PublishForm(FlaskForm):
    title = StringField(_l("Title"), widget=GovTextInput(),
                        validators=[DataRequired(_l("Enter the title")), Length(max=300)])
    provider = StringField(_l("Provider"), widget=GovTextInput(),
                           description=_l("Who made it, for example Government Digital Service (UK)"),
                           validators=[DataRequired(_l("Enter the provider")), Length(max=200)])
    url = StringField(_l("Web address"), widget=GovTextInput(),
                      validators=[DataRequired(_l("Enter the web address")), Length(max=1000)])
    licence = StringField(_l("Licence"), widget=GovTextInput(),
                          description=_l("An SPDX identifier such as CC-BY-4.0, CC-BY-SA-4.0 or "
                                         "OGL-UK-3.0; LicenseRef-NAME for another licence; "
                                         "free-access when it is free to use but not openly licensed"),
                          validators=[DataRequired(_l("Enter the licence")), Length(max=80)])
    languages = StringField(_l("Languages"), widget=GovTextInput(),
                            description=_l("Language tags separated by commas, for example en, fr"),
                            validators=[DataRequired(_l("Enter at least one language")), Length(max=500)])
    format = SelectField(_l("Format"), widget=GovSelect(), choices=_choices(FORMAT_LABELS))
    hours = FloatField(_l("Estimated hours"), widget=GovTextInput(),
                       validators=[InputRequired(_l("Enter the estimated hours")),
                                   NumberRange(min=0.1, max=1000,
                                               message=_l("Enter hours between 0.1 and 1000"))])
    cost = RadioField(_l("Cost"), widget=GovRadioInput(), default="free",
                      choices=[SelectChoice("free", _l("Free")), SelectChoice("paid", _l("Paid"))])
    certificate = BooleanField(_l("Offers a certificate"), widget=GovCheckboxInput())
    offline = BooleanField(_l("Can be downloaded to study offline"), widget=GovCheckboxInput())
    accessibility = SelectMultipleField(_l("Accessibility"), widget=GovCheckboxesInput(),
                                        choices=_choices(ACCESSIBILITY_LABELS))
    competencies = TextAreaField(
        _l("Competencies and levels"), widget=GovTextArea(),
        description=_l("One per line: the competency code, the level it starts from and the level "
                       "it reaches, for example DATA.ANALYSIS 1-3"),
        validators=[DataRequired(_l("Give at least one competency")), Length(max=5000)])
    prerequisites = StringField(_l("Prerequisites (optional)"), widget=GovTextInput(),
                                description=_l("Codes of resources to take first, separated by commas"),
                                validators=[Length(max=2000)])
    description = TextAreaField(_l("Description"), widget=GovTextArea(),
                                description=_l("Markdown: what it covers and who it suits, in two to "
                                               "four sentences of our own"),
                                validators=[Length(max=10_000)])
    submit = SubmitField(_l("Publish"), widget=GovSubmitInput())


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), widget=GovTextArea(),
                           description=_l("The person who suggested it will see this"),
                           validators=[DataRequired(_l("Say why it is rejected")), Length(max=2000)])
    submit = SubmitField(_l("Reject suggestion"), widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token is needed."""
