from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length

from app.ids import parse_id


def id_or_none(raw: object) -> int | None:
    """A ticked id; None for one that is not an id (dropped by the view: only a tampered form sends it)."""
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else parse_id(raw)


class StepRow(Form):
    """One row of the step picker (choices set by the view; the service checks what is picked)."""

    resource = SelectField(_l("Resource"), widget=GovSelect(), validate_choice=False)
    alternative = BooleanField(_l("Or take this instead of the step above"), widget=GovCheckboxInput())
    optional = BooleanField(_l("Optional step"), widget=GovCheckboxInput())


class PathForm(FlaskForm):
    """The rules are the service's (app/services/paths.py), which reports every problem at once; the
    form only reads the inputs and limits the free text."""

    code = StringField(_l("Path id"), widget=GovTextInput(),
                       description=_l("Lower-case letters, digits and hyphens; it never changes"))
    title = StringField(_l("Title"), widget=GovTextInput(), validators=[
        Length(max=300, message=_l("Write the title in 300 characters or fewer"))])
    description = TextAreaField(_l("Description"), widget=GovTextArea(), validators=[
        Length(max=10_000, message=_l("Write the description in 10,000 characters or fewer"))])
    steps = FieldList(FormField(StepRow), min_entries=4)
    role_profiles = SelectMultipleField(_l("For these roles"), coerce=id_or_none, widget=GovCheckboxesInput(),
                                        validate_choice=False)
    competencies = SelectMultipleField(_l("Competencies it develops"), coerce=id_or_none,
                                       widget=GovCheckboxesInput(), validate_choice=False)
    prerequisites = FieldList(SelectField(_l("Resource to complete first"), widget=GovSelect(),
                                          validate_choice=False), min_entries=2)
    submit = SubmitField(_l("Save draft"), widget=GovSubmitInput())
