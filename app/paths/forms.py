from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.ids import form_id


class PathForm(FlaskForm):
    code = StringField(_l("Path id"), widget=GovTextInput(),
                       description=_l("Lower-case letters, digits and hyphens; it never changes"),
                       validators=[Length(max=120)])
    title = StringField(_l("Title"), widget=GovTextInput(),
                        validators=[DataRequired(_l("Enter the path's title")), Length(max=300)])
    description = TextAreaField(_l("Description"), widget=GovTextArea(), validators=[Length(max=10_000)])
    steps = TextAreaField(
        _l("Steps"), widget=GovTextArea(),
        description=_l("One step per line: a resource id. Put “|” between alternatives "
                       "(take one of them) and end a line with “(optional)” for an optional step."),
        validators=[DataRequired(_l("Add at least one step")), Length(max=10_000)])
    role_profiles = SelectMultipleField(_l("For these roles"), coerce=form_id, widget=GovCheckboxesInput())
    competencies = SelectMultipleField(_l("Competencies it develops"), coerce=form_id,
                                       widget=GovCheckboxesInput())
    prerequisites = StringField(_l("Prerequisites (optional)"), widget=GovTextInput(),
                                description=_l("Resource ids to complete before starting, "
                                               "separated by commas"),
                                validators=[Length(max=2000)])
    submit = SubmitField(_l("Save draft"), widget=GovSubmitInput())
