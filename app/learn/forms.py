"""Forms of the learning pages. Every one carries a CSRF token."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import DateField, RadioField, SelectChoice, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class DateInput(GovDateInput):
    """GOV.UK's day, month and year boxes, with their labels translated."""

    def map_gov_params(self, field, **kwargs):
        if field.raw_data is not None and len(field.raw_data) != 3:
            field.raw_data = None  # not sent as three boxes (a hand-made request): show it empty
        params = super().map_gov_params(field, **kwargs)
        for item, label in zip(params["items"], (_("Day"), _("Month"), _("Year")), strict=True):
            item["label"] = label
        return params


DISMISS_CHOICES = [
    SelectChoice("not_relevant", _l("It is not relevant to my work")),
    SelectChoice("already_know", _l("I already know this")),
    SelectChoice("no_time", _l("I do not have time for it")),
    SelectChoice("other", _l("Another reason")),
]


class DismissForm(FlaskForm):
    reason = RadioField(_l("Why are you dismissing it?"), choices=DISMISS_CHOICES, widget=GovRadioInput(),
                        validators=[InputRequired(_l("Choose why you are dismissing it"))])
    detail = TextAreaField(_l("Tell us more"), widget=GovTextArea(),
                           description=_l("Needed when you choose another reason"),
                           validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Dismiss"), widget=GovSubmitInput())


class ProgressForm(FlaskForm):
    status = RadioField(_l("Where are you with it?"), widget=GovRadioInput(),
                        choices=[SelectChoice("started", _l("I have started it")),
                                 SelectChoice("completed", _l("I have completed it"))],
                        validators=[InputRequired(_l("Choose started or completed"))])
    started_on = DateField(_l("Started on (optional)"), format="%d %m %Y", widget=DateInput(),
                           description=_l("For example 27 3 2026"), validators=[Optional()])
    completed_on = DateField(_l("Completed on"), format="%d %m %Y", widget=DateInput(),
                             description=_l("Needed when you have completed it"), validators=[Optional()])
    evidence_url = StringField(_l("Link to evidence (optional)"), widget=GovTextInput(),
                               description=_l("A certificate or a piece of work, starting with https://"),
                               validators=[Optional(), Length(max=1000)])
    evidence_file = FileField(_l("Or upload evidence (optional)"), widget=GovFileInput(),
                              description=_l("A PDF, PNG or JPEG file of 5 MB or less"))
    submit = SubmitField(_l("Save progress"), widget=GovSubmitInput())


SCALE = [SelectChoice(n, str(n)) for n in range(1, 6)]


class FeedbackForm(FlaskForm):
    rating = RadioField(_l("How would you rate it, from 1 (poor) to 5 (excellent)?"), coerce=int,
                        choices=SCALE, widget=GovRadioInput(),
                        validators=[InputRequired(_l("Choose a rating from 1 to 5"))])
    relevance = RadioField(_l("How relevant is it to your job, from 1 (not at all) to 5 (very)?"),
                           coerce=int, choices=SCALE, widget=GovRadioInput(),
                           validators=[InputRequired(_l("Choose how relevant it is, from 1 to 5"))])
    would_recommend = RadioField(_l("Would you recommend it to a colleague?"), widget=GovRadioInput(),
                                 choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
                                 validators=[InputRequired(_l("Say whether you would recommend it"))])
    comment = TextAreaField(_l("Comment (optional)"), widget=GovTextArea(),
                            validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Send feedback"), widget=GovSubmitInput())
