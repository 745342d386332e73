"""Forms of the actions area: the plan a manager sets, a dismissal, an owner's update."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from audit.actions.service import STATUS_LABELS, TEXT_MAX, TRANSITIONS, Plan
from audit.models import ActionPriority, ActionStatus
from audit.photos.uploads import photo_field
from audit.views import text_box

#: The priorities by name ("High"), as the plan's list offers them.
PRIORITY_WORDS = {
    ActionPriority.LOW: _l("Low"),
    ActionPriority.MEDIUM: _l("Medium"),
    ActionPriority.HIGH: _l("High"),
}
PRIORITY_CHOICES = [SelectChoice(p.value, PRIORITY_WORDS[p]) for p in ActionPriority]


class PlanForm(FlaskForm):
    """Title, owner, due date and priority; the owner list is set by the view."""

    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the action a title.")), Length(max=200)]
    )
    description = text_box(_l("What needs doing"), TEXT_MAX, rows=3)
    owner = SelectField(_l("Owner"), choices=[], validate_choice=True)
    due_on = DateField(_l("Due"), validators=[Optional()])
    priority = SelectField(_l("Priority"), choices=PRIORITY_CHOICES, default="medium")
    submit = SubmitField(_l("Save"))

    def set_owners(self, choices: list[tuple[str, str]]) -> None:
        self.owner.choices = [
            SelectChoice("", _l("— nobody yet —")),
            *(SelectChoice(value, label) for value, label in choices),
        ]

    def plan(self) -> Plan:
        """What was chosen, as the action service takes it (once the form validates)."""
        return Plan(
            title=self.title.data or "",
            description=self.description.data or "",
            priority=ActionPriority(self.priority.data),
            due_on=self.due_on.data,
            owner=self.owner.data or None,
        )


class AcceptForm(PlanForm):
    submit = SubmitField(_l("Accept and open"))


class NewActionForm(PlanForm):
    branch = SelectField(_l("Branch"), coerce=int, choices=[])

    def set_branches(self, branches: list[tuple[int, str]]) -> None:
        self.branch.choices = [SelectChoice(value, label) for value, label in branches]

    submit = SubmitField(_l("Raise action"))


class DismissForm(FlaskForm):
    reason = text_box(
        _l("Why no action is needed"),
        TEXT_MAX,
        required=_l("Say why this proposal needs no action."),
    )
    submit = SubmitField(_l("Dismiss proposal"))


class UpdateForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[])
    note = text_box(_l("What was done"), TEXT_MAX, rows=3, required=_l("Write what was done."))
    photo = photo_field(
        _l("Photo (optional)"), _l("A JPEG, PNG or WebP photo showing the work done.")
    )
    submit = SubmitField(_l("Post update"))

    def set_status(self, current: ActionStatus) -> None:
        self.status.choices = [
            SelectChoice(s.value, STATUS_LABELS[s]) for s in TRANSITIONS.get(current, ())
        ]
        if self.status.data is None:
            self.status.data = current.value
