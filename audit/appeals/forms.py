"""Forms of the appeals area: raising an appeal and deciding it."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from audit.appeals.service import TEXT_MAX
from audit.photos.uploads import photo_field
from audit.views import text_box

#: Longer than any answer a question takes: a number, an option label, "N/A".
MAX_REQUESTED = 200


class AppealForm(FlaskForm):
    """The answer is chosen among those that lost points (choices set by the view).

    "What it should have been" is one control per offered answer, in that
    question's own terms (yes/no, a point of the scale, an option, a number); the
    view reads the one of the chosen answer with :meth:`requested_for`.
    """

    question_key = RadioField(
        _l("Answer you dispute"),
        choices=[],
        validate_choice=False,  # validate_question_key says it in plain words
        validators=[InputRequired(_l("Choose the answer you dispute."))],
    )
    reason = text_box(
        _l("Why it is wrong"), TEXT_MAX, rows=4, required=_l("Say why the answer is wrong.")
    )
    photo = photo_field(
        _l("Evidence photo (optional)"), _l("A JPEG, PNG or WebP photo, e.g. a receipt or a rota.")
    )
    submit = SubmitField(_l("Send appeal"))

    def validate_question_key(self, field: RadioField) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError(
                _l(
                    "Choose one of the answers listed: "
                    "only answers that lost points can be appealed."
                )
            )

    @staticmethod
    def requested_name(question_key: str) -> str:
        """The name of the "what it should have been" control of one answer."""
        return f"requested-{question_key}"

    def requested_for(self, question_key: str) -> str:
        """What was sent for ``question_key``'s "what it should have been" ("" for none)."""
        if not request.form:
            return ""
        return request.form.get(self.requested_name(question_key), "")[:MAX_REQUESTED]


class UpholdForm(FlaskForm):
    note = text_box(
        _l("Why the answer stands"), TEXT_MAX, required=_l("Say why the answer stands.")
    )
    submit = SubmitField(_l("Uphold: the answer stands"))


class AmendForm(FlaskForm):
    value = StringField(_l("New answer"))
    comment = text_box(_l("Comment"), 4000)
    note = text_box(
        _l("Why the answer changes"), TEXT_MAX, required=_l("Say why the answer is changed.")
    )
    submit = SubmitField(_l("Amend and re-score"))
