"""Forms of the appeals area: raising an appeal and deciding it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length

from audit.appeals.service import TEXT_MAX
from audit.photos.uploads import photo_field
from audit.views import text_box


class AppealForm(FlaskForm):
    """The answer is chosen from the visit's answers (choices set by the view)."""

    question_key = SelectField("Answer you dispute", choices=[])
    reason = text_box("Why it is wrong", TEXT_MAX, rows=4, required="Say why the answer is wrong.")
    requested_value = StringField(
        "What it should have been (optional)", validators=[Length(max=200)]
    )
    photo = photo_field(
        "Evidence photo (optional)", "A JPEG, PNG or WebP photo, e.g. a receipt or a rota."
    )
    submit = SubmitField("Send appeal")


class UpholdForm(FlaskForm):
    note = text_box("Why the answer stands", TEXT_MAX, required="Say why the answer stands.")
    submit = SubmitField("Uphold: the answer stands")


class AmendForm(FlaskForm):
    value = StringField("New answer")
    comment = text_box("Comment", 4000)
    note = text_box("Why the answer changes", TEXT_MAX, required="Say why the answer is changed.")
    submit = SubmitField("Amend and re-score")
