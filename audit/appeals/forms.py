"""Forms of the appeals area: raising an appeal and deciding it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from audit.appeals.service import TEXT_MAX
from audit.photos.uploads import photo_field


class AppealForm(FlaskForm):
    """The answer is chosen from the visit's answers (choices set by the view)."""

    question_key = SelectField("Answer you dispute", choices=[])
    reason = TextAreaField(
        "Why it is wrong",
        validators=[DataRequired("Say why the answer is wrong."), Length(max=TEXT_MAX)],
        render_kw={"rows": 4},
    )
    requested_value = StringField(
        "What it should have been (optional)", validators=[Length(max=200)]
    )
    photo = photo_field(
        "Evidence photo (optional)", "A JPEG, PNG or WebP photo, e.g. a receipt or a rota."
    )
    submit = SubmitField("Send appeal")


class UpholdForm(FlaskForm):
    note = TextAreaField(
        "Why the answer stands",
        validators=[DataRequired("Say why the answer stands."), Length(max=TEXT_MAX)],
        render_kw={"rows": 2},
    )
    submit = SubmitField("Uphold: the answer stands")


class AmendForm(FlaskForm):
    value = StringField("New answer")
    comment = TextAreaField("Comment", validators=[Length(max=4000)], render_kw={"rows": 2})
    note = TextAreaField(
        "Why the answer changes",
        validators=[DataRequired("Say why the answer is changed."), Length(max=TEXT_MAX)],
        render_kw={"rows": 2},
    )
    submit = SubmitField("Amend and re-score")
