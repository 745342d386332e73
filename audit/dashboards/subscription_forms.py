"""The form of a new scheduled report; the view fills in the choices in the user's scope."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, SubmitField
from wtforms.fields.choices import SelectChoice

from audit.models import ReportFrequency, ReportUnit
from audit.web.forms import Required

UNIT_LABELS = {
    ReportUnit.BRANCH: "One branch",
    ReportUnit.REGION: "One region",
    ReportUnit.COMPANY: "Every branch I can see (comparison)",
}
NO_CHOICE = ""


class SubscriptionForm(FlaskForm):
    unit = SelectField(
        "Report on",
        choices=[SelectChoice(unit.value, label) for unit, label in UNIT_LABELS.items()],
        default=ReportUnit.BRANCH.value,
        validators=[Required()],
    )
    # The service checks these against the user's scope, with a message beside the field.
    branch = SelectField("Branch", description="For a report on one branch.", validate_choice=False)
    region = SelectField("Region", description="For a report on one region.", validate_choice=False)
    scorecard = SelectField("Scorecard", validate_choice=False)
    frequency = SelectField(
        "How often",
        choices=[SelectChoice(f.value, f.label) for f in ReportFrequency],
        default=ReportFrequency.MONTHLY.value,
        validators=[Required()],
        description="Weekly reports cover Monday to Sunday; monthly ones a calendar month. "
        "Each is mailed the morning after its period ends.",
    )
    recipients = SelectMultipleField(
        "Also send it to",
        coerce=int,
        description="Managers whose regions cover the report. You always receive it yourself.",
    )
    submit = SubmitField("Subscribe")
