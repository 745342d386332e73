from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
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

SCENARIO_HELP = _l(
    "Tell the shopper what to ask or buy (e.g. 'ask about opening a savings account for a "
    "child'), what to look for (greeting, needs questions, a clear next step, the state of "
    "the branch) and what to avoid (giving away that it is an audit, buying anything over "
    "the budget, visiting at the same time as last time)."
)


def _override_reason(label: str | LazyString) -> TextAreaField:
    """Why a manager sends a shopper although a rule (the lockout, the minimum rating)
    says no: required with the override, kept on each assignment and in its history."""
    return TextAreaField(
        label,
        validators=[Length(max=1000)],
        description=_l("Required to override. Recorded with each assignment and in its history."),
        render_kw={"rows": 2},
    )


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: works without JavaScript and on a phone."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AssignmentForm(FlaskForm):
    scorecard = SelectField(_l("Scorecard"), coerce=int, validators=[Required()])
    branches = MultiCheckboxField(
        _l("Branches"),
        coerce=int,
        description=_l(
            "Tick each branch to visit, or every branch of a region. One assignment per branch."
        ),
    )
    regions = MultiCheckboxField(_l("Or every active branch of a region"), coerce=int)
    shopper = SelectField(_l("Shopper or assessor"), coerce=int, validators=[Required()])
    window_start = DateField(_l("Visit window from"), validators=[Required()])
    window_end = DateField(_l("Visit window to"), validators=[Required()])
    scenario = TextAreaField(
        _l("Scenario"),
        validators=[Required(), Length(max=4000)],
        description=SCENARIO_HELP,
        render_kw={"rows": 6},
    )
    override_lockout = BooleanField(_l("Override the lockout"))
    override_reason = _override_reason(_l("Why this shopper should go back so soon"))
    override_rating = BooleanField(_l("Offer below the minimum rating"))
    rating_override_reason = _override_reason(_l("Why this shopper should do it anyway"))
    submit = SubmitField(_l("Offer assignments"))

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        valid = super().validate(extra_validators)
        if not self.branches.errors and not (self.branches.data or self.regions.data):
            self.branches.errors = [
                *self.branches.errors,
                gettext("Choose at least one branch or region."),
            ]
            valid = False
        return valid


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for cancelling"),
        validators=[DataRequired(message=_l("Give a reason for cancelling.")), Length(max=1000)],
        description=_l("Kept in the assignment's history."),
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("Cancel assignment"))


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (optional)"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("Decline"))
