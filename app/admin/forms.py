from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.ids import form_id

MAX_SEARCH = 200


class SearchForm(FlaskForm):
    """GET filters: no CSRF needed, nothing changes."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), widget=GovTextInput(),
                    validators=[Length(max=MAX_SEARCH, message=_l("Search for 200 characters or fewer"))])
    submit = SubmitField(_l("Search"), widget=GovSubmitInput())

    def text(self) -> str:
        """The search text, at most MAX_SEARCH characters: a longer one is cut to that length, searched
        for and shown back so, with the error saying why (a pattern that long is too complex for
        SQLite's LIKE, and would be echoed in every page link)."""
        self.validate()
        self.q.data = (self.q.data or "")[:MAX_SEARCH]
        return self.q.data


class CountryForm(FlaskForm):
    code = StringField(_l("Country code"), widget=GovTextInput(),
                       description=_l("Two letters, ISO 3166-1 alpha-2, for example KE"),
                       validators=[DataRequired(_l("Enter the country code")), Length(2, 2)])
    name = StringField(_l("Name"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter the country's name")), Length(max=200)])
    time_zone = StringField(_l("Time zone"), widget=GovTextInput(),
                            description=_l("For example Africa/Nairobi; campaign windows use it"),
                            validators=[DataRequired(_l("Enter the time zone")), Length(max=64)])
    small_cell_k = IntegerField(
        _l("Smallest group shown (optional)"), widget=GovTextInput(),
        description=_l("Figures about fewer officials than this are hidden for this country. Leave "
                       "empty to use the deployment's threshold; a number lower than the deployment's "
                       "has no effect."),
        validators=[Optional(), NumberRange(2, 100, _l("Enter a whole number from 2 to 100"))])
    submit = SubmitField(_l("Save country"), widget=GovSubmitInput())


class OrganisationForm(FlaskForm):
    country = SelectField(_l("Country"), coerce=form_id, widget=GovSelect())
    name = StringField(_l("Name"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter the organisation's name")),
                                   Length(max=200)])
    parent = SelectField(_l("Part of (optional)"), coerce=form_id, widget=GovSelect())
    submit = SubmitField(_l("Save organisation"), widget=GovSubmitInput())


class UserForm(FlaskForm):
    email = EmailField(_l("Email address"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter an email address")), Length(max=254)])
    name = StringField(_l("Full name"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter the person's name")), Length(max=200)])
    role = SelectField(_l("Role"), widget=GovSelect())
    country = SelectField(_l("Country"), coerce=form_id, widget=GovSelect(),
                          description=_l("For focal points and admins without an organisation"))
    organisation = SelectField(_l("Organisation"), coerce=form_id, widget=GovSelect())
    submit = SubmitField(_l("Create account and send invitation"), widget=GovSubmitInput())


class ScopeForm(FlaskForm):
    country = SelectField(_l("Country"), coerce=form_id, widget=GovSelect())
    submit = SubmitField(_l("Grant access"), widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token is needed."""


class EraseForm(FlaskForm):
    """Erasing a person cannot be undone: the admin ticks a box and types the person's e-mail."""

    confirm = BooleanField(_l("I understand that this person's data will be erased for good"),
                           widget=GovCheckboxInput(),
                           validators=[DataRequired(_l("Tick the box to confirm the erasure"))])
    email = StringField(_l("Type the person's email address to confirm"), widget=GovTextInput(),
                        validators=[DataRequired(_l("Type the person's email address")), Length(max=254)])
    submit = SubmitField(_l("Erase this person"), widget=GovSubmitInput())
