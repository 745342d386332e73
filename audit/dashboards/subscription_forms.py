"""The form of a new scheduled report; the view fills in the choices in the user's scope."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, SubmitField
from wtforms.fields.choices import SelectChoice

from audit.models import ReportFrequency, ReportUnit
from audit.web.forms import Required

UNIT_LABELS = {
    ReportUnit.BRANCH: _l("One branch"),
    ReportUnit.REGION: _l("One region"),
    ReportUnit.COMPANY: _l("Every branch I can see (comparison)"),
}
NO_CHOICE = ""


class SubscriptionForm(FlaskForm):
    unit = SelectField(
        _l("Report on"),
        choices=[SelectChoice(unit.value, label) for unit, label in UNIT_LABELS.items()],
        default=ReportUnit.BRANCH.value,
        validators=[Required()],
    )
    # The service checks these against the user's scope, with a message beside the field.
    branch = SelectField(
        _l("Branch"), description=_l("For a report on one branch."), validate_choice=False
    )
    region = SelectField(
        _l("Region"), description=_l("For a report on one region."), validate_choice=False
    )
    scorecard = SelectField(_l("Scorecard"), validate_choice=False)
    frequency = SelectField(
        _l("How often"),
        choices=[SelectChoice(f.value, f.label) for f in ReportFrequency],
        default=ReportFrequency.MONTHLY.value,
        validators=[Required()],
        description=_l(
            "Weekly reports cover Monday to Sunday; monthly ones a calendar month. "
            "Each is mailed the morning after its period ends."
        ),
    )
    recipients = SelectMultipleField(
        _l("Also send it to"),
        coerce=int,
        description=_l("Managers whose regions cover the report. You always receive it yourself."),
    )
    submit = SubmitField(_l("Subscribe"))
