"""The account page's forms: your details and e-mails, and your password. Both carry a CSRF token; the
rules live in app/services/account_settings.py, which reports every problem at once."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovPasswordInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import PasswordField, SelectChoice, SelectMultipleField, StringField, SubmitField

from app.services.passwords import MIN_LENGTH


class DetailsForm(FlaskForm):
    name = StringField(_l("Your name"), widget=GovTextInput())
    languages = SelectMultipleField(
        _l("Languages you learn in"), widget=GovCheckboxesInput(), validate_choice=False,
        description=_l("Your plan recommends material in these languages first. Tick none to use what "
                       "you answered in your latest assessment."))
    emails = SelectMultipleField(_l("E-mails you want"), widget=GovCheckboxesInput(), validate_choice=False,
                                 choices=[SelectChoice("reminders", _l("Reminders about an assessment you "
                                                                       "have not submitted yet")),
                                          SelectChoice("follow_ups", _l("Questions some weeks after you "
                                                                        "complete a course path"))],
                                 description=_l("Invitations and password links are always sent."))
    submit = SubmitField(_l("Save your details"), widget=GovSubmitInput())


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), widget=GovPasswordInput())
    new_password = PasswordField(_l("New password"), widget=GovPasswordInput(),
                                 description=_l("At least %(n)s characters, and not your email address",
                                                n=MIN_LENGTH))
    confirm = PasswordField(_l("New password again"), widget=GovPasswordInput())
    submit = SubmitField(_l("Change your password"), widget=GovSubmitInput())
