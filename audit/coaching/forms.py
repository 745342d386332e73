"""Coaching forms: a note, a reply, closing a note, kudos, and the recognition opt-out."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from audit.coaching.recognition import MESSAGE_MAX, QUOTE_MAX
from audit.coaching.service import BODY_MAX, GOAL_MAX


class NoteForm(FlaskForm):
    body = TextAreaField(
        "Note",
        validators=[DataRequired(message="Write the note."), Length(max=BODY_MAX)],
        render_kw={"rows": 8},
        description="Pre-filled with the answers that lost points on the visit; edit freely.",
    )
    goal = TextAreaField(
        "Goal",
        validators=[Length(max=GOAL_MAX)],
        render_kw={"rows": 2},
        description="What should be different next time?",
    )
    follow_up_on = DateField("Follow-up date", validators=[Optional()])
    submit = SubmitField("Send note")


class ReplyForm(FlaskForm):
    body = TextAreaField(
        "Reply",
        validators=[DataRequired(message="Write a reply."), Length(max=BODY_MAX)],
        render_kw={"rows": 3},
    )
    submit = SubmitField("Send reply")


class CloseForm(FlaskForm):
    closing_note = TextAreaField(
        "How did the follow-up go? (optional)",
        validators=[Length(max=GOAL_MAX)],
        render_kw={"rows": 2},
    )
    submit = SubmitField("Close note")


class KudosForm(FlaskForm):
    message = TextAreaField(
        "Message",
        validators=[DataRequired(message="Write a message."), Length(max=MESSAGE_MAX)],
        render_kw={"rows": 3},
    )
    quoted = TextAreaField(
        "What the customer said",
        validators=[Length(max=QUOTE_MAX)],
        render_kw={"rows": 4},
        description="The shopper's comments on answers that earned full points; "
        "the shopper is never named.",
    )
    submit = SubmitField("Send kudos")


class RecognitionForm(FlaskForm):
    hide = BooleanField("Don't show my name among top performers")
    submit = SubmitField("Save")
