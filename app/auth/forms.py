from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from app.services.passwords import MIN_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter your email address"))])
    password = PasswordField(_l("Password"), widget=GovPasswordInput(),
                             validators=[DataRequired(_l("Enter your password"))])
    remember = BooleanField(_l("Keep me signed in on this device for 14 days"),
                            widget=GovCheckboxInput(), default=False)
    submit = SubmitField(_l("Sign in"), widget=GovSubmitInput())


class RequestResetForm(FlaskForm):
    email = EmailField(_l("Email address"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter your email address"))])
    submit = SubmitField(_l("Send me a reset link"), widget=GovSubmitInput())


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), widget=GovPasswordInput(),
        description=_l("At least %(n)s characters, and not your email address", n=MIN_LENGTH),
        validators=[DataRequired(_l("Enter a new password")),
                    Length(min=MIN_LENGTH, message=_l("Password must be at least %(n)s characters long",
                                                      n=MIN_LENGTH))],
    )
    confirm = PasswordField(
        _l("Confirm new password"), widget=GovPasswordInput(),
        validators=[DataRequired(_l("Enter the password again")),
                    EqualTo("password", _l("The passwords do not match"))],
    )
    submit = SubmitField(_l("Set password"), widget=GovSubmitInput())
