from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from audit.web.forms import Required

SCENARIO_HELP = (
    "Tell the shopper what to ask or buy (e.g. 'ask about opening a savings account for a "
    "child'), what to look for (greeting, needs questions, a clear next step, the state of "
    "the branch) and what to avoid (giving away that it is an audit, buying anything over "
    "the budget, visiting at the same time as last time)."
)


def _override_reason(label: str) -> TextAreaField:
    """Why a manager sends a shopper although a rule (the lockout, the minimum rating)
    says no: required with the override, kept on each assignment and in its history."""
    return TextAreaField(
        label,
        validators=[Length(max=1000)],
        description="Required to override. Recorded with each assignment and in its history.",
        render_kw={"rows": 2},
    )


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: works without JavaScript and on a phone."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AssignmentForm(FlaskForm):
    scorecard = SelectField("Scorecard", coerce=int, validators=[Required()])
    branches = MultiCheckboxField(
        "Branches",
        coerce=int,
        description="Tick each branch to visit, or every branch of a region. "
        "One assignment per branch.",
    )
    regions = MultiCheckboxField("Or every active branch of a region", coerce=int)
    shopper = SelectField("Shopper or assessor", coerce=int, validators=[Required()])
    window_start = DateField("Visit window from", validators=[Required()])
    window_end = DateField("Visit window to", validators=[Required()])
    scenario = TextAreaField(
        "Scenario",
        validators=[Required(), Length(max=4000)],
        description=SCENARIO_HELP,
        render_kw={"rows": 6},
    )
    override_lockout = BooleanField("Override the lockout")
    override_reason = _override_reason("Why this shopper should go back so soon")
    override_rating = BooleanField("Offer below the minimum rating")
    rating_override_reason = _override_reason("Why this shopper should do it anyway")
    submit = SubmitField("Offer assignments")

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        valid = super().validate(extra_validators)
        if not self.branches.errors and not (self.branches.data or self.regions.data):
            self.branches.errors = [*self.branches.errors, "Choose at least one branch or region."]
            valid = False
        return valid


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Reason for cancelling",
        validators=[DataRequired(message="Give a reason for cancelling."), Length(max=1000)],
        description="Kept in the assignment's history.",
        render_kw={"rows": 2},
    )
    submit = SubmitField("Cancel assignment")


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Reason (optional)",
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 2},
    )
    submit = SubmitField("Decline")
