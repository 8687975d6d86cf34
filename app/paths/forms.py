from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class PathForm(FlaskForm):
    code = StringField(_l("Path id"), widget=GovTextInput(),
                       description=_l("Lower-case letters, digits and hyphens; it never changes"))
    title = StringField(_l("Title"), widget=GovTextInput(),
                        validators=[DataRequired(_l("Enter the path's title")), Length(max=300)])
    description = TextAreaField(_l("Description"), widget=GovTextArea())
    steps = TextAreaField(
        _l("Steps"), widget=GovTextArea(),
        description=_l("One step per line: a resource id. Put “|” between alternatives "
                       "(take one of them) and end a line with “(optional)” for an optional step."),
        validators=[DataRequired(_l("Add at least one step"))])
    role_profiles = SelectMultipleField(_l("For these roles"), coerce=int, widget=GovCheckboxesInput())
    competencies = SelectMultipleField(_l("Competencies it develops"), coerce=int,
                                       widget=GovCheckboxesInput())
    prerequisites = StringField(_l("Prerequisites (optional)"), widget=GovTextInput(),
                                description=_l("Resource ids to complete before starting, "
                                               "separated by commas"))
    submit = SubmitField(_l("Save draft"), widget=GovSubmitInput())
