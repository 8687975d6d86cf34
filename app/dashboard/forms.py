from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovSubmitInput
from wtforms import BooleanField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

CONFIRMATION = _l("I need the officials' names and e-mail addresses for this task, I will keep the file "
                  "secure and delete it when the task is done, and I understand this export is recorded "
                  "in the audit log.")


class PersonExportForm(FlaskForm):
    """The person-level export (admins only): pseudonymised unless names are asked for and the
    confirmation is ticked."""

    file_format = RadioField(_l("File format"),
                             choices=[SelectChoice("xlsx", _l("Excel (XLSX)")),
                                      SelectChoice("csv", _l("CSV"))],
                             default="xlsx", widget=GovRadioInput(),
                             validators=[InputRequired(_l("Choose a file format"))])
    include_names = BooleanField(_l("Include names and e-mail addresses"), widget=GovCheckboxInput(),
                                 description=_l("Without this, each official is named by a pseudonym "
                                                "that stays the same from one export to the next."))
    confirm = BooleanField(CONFIRMATION, widget=GovCheckboxInput())
    submit = SubmitField(_l("Download"), widget=GovSubmitInput())

    def validate_confirm(self, field) -> None:
        if self.include_names.data and not field.data:
            raise ValidationError(_l("Confirm why you need names and e-mail addresses, or untick "
                                     "“Include names and e-mail addresses”"))
