"""Review forms. A reason can be typed or picked from the reviewers' comment library."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from audit.review.service import COMMENT_CATEGORIES, REASON_MAX, comment_choices, library_text
from audit.views import text_box


def reason_box(label: str, *, rows: int = 2, description: str = "") -> TextAreaField:
    """The reason box of a :class:`ReasonForm`: not required by itself, since a saved
    comment may stand in for it (the form checks that one of the two is given)."""
    return text_box(label, REASON_MAX, rows=rows, description=description)


class ReasonForm(FlaskForm):
    """A required reason: the text typed, or else the saved comment chosen.

    With review.js the chosen comment is copied into the text box to adjust; without
    JavaScript a chosen comment counts when the box is left empty.
    """

    purpose = "general"
    missing = _l("Give a reason, or choose a saved comment.")

    saved = SelectField(_l("Saved comment"), coerce=int, default=0)
    reason = reason_box(_l("Reason"), rows=3)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.saved.choices = comment_choices(self.purpose)
        self.saved.render_kw = {"data-reason-library": self.reason.id}
        self.reason_text = ""

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        valid = super().validate(extra_validators)
        typed = (self.reason.data or "").strip()
        self.reason_text = typed or library_text(self.saved.data, self.purpose) or ""
        if valid and not self.reason_text:
            self.reason.errors = [*self.reason.errors, self.missing]
            valid = False
        return valid


class ReturnForm(ReasonForm):
    purpose = "return"
    missing = _l("Tell the shopper what to fix: type it or choose a saved comment.")

    reason = reason_box(
        _l("What the shopper should fix"),
        rows=3,
        description=_l("The shopper sees this with the visit, fixes it and submits again."),
    )
    submit = SubmitField(_l("Return to shopper"))


class ExcludeForm(ReasonForm):
    purpose = "exclude"
    missing = _l("Say why this visit should be left out of reporting.")

    reason = reason_box(
        _l("Why leave it out of reporting"),
        description=_l("Kept in the visit's history; the visit keeps its answers and status."),
    )
    submit = SubmitField(_l("Exclude from reporting"))


class IncludeForm(ReasonForm):
    purpose = "exclude"
    missing = _l("Say why this visit should count again.")

    reason = reason_box(_l("Why it should count again"))
    submit = SubmitField(_l("Include in reporting"))


class EditAnswerForm(ReasonForm):
    """One answer, changed by a reviewer; the value is checked by the scoring engine."""

    purpose = "edit"
    missing = _l("Say why you are changing this answer.")

    value = StringField(_l("New answer"))
    comment = text_box(_l("Comment"), 4000)
    reason = reason_box(_l("Why you are changing it"))
    submit = SubmitField(_l("Save change"))


class CommentForm(FlaskForm):
    category = SelectField(
        _l("Used when"),
        choices=[SelectChoice(key, label) for key, label in COMMENT_CATEGORIES.items()],
        default="return",
    )
    text = text_box(_l("Comment"), REASON_MAX, rows=3, required=_l("Write the comment."))
    submit = SubmitField(_l("Add to the library"))
