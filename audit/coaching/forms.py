"""Coaching forms: a note, a reply, closing a note, kudos, and the recognition opt-out."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SubmitField
from wtforms.validators import Optional

from audit.coaching.recognition import MESSAGE_MAX, QUOTE_MAX
from audit.coaching.service import BODY_MAX, GOAL_MAX
from audit.views import text_box


class NoteForm(FlaskForm):
    body = text_box(
        "Note",
        BODY_MAX,
        rows=8,
        required="Write the note.",
        description="Pre-filled with the answers that lost points on the visit; edit freely.",
    )
    goal = text_box("Goal", GOAL_MAX, description="What should be different next time?")
    follow_up_on = DateField("Follow-up date", validators=[Optional()])
    submit = SubmitField("Send note")


class ReplyForm(FlaskForm):
    body = text_box("Reply", BODY_MAX, rows=3, required="Write a reply.")
    submit = SubmitField("Send reply")


class CloseForm(FlaskForm):
    closing_note = text_box("How did the follow-up go? (optional)", GOAL_MAX)
    submit = SubmitField("Close note")


class KudosForm(FlaskForm):
    message = text_box("Message", MESSAGE_MAX, rows=3, required="Write a message.")
    quoted = text_box(
        "What the customer said",
        QUOTE_MAX,
        rows=4,
        description="The shopper's comments on answers that earned full points; "
        "the shopper is never named.",
    )
    submit = SubmitField("Send kudos")


class RecognitionForm(FlaskForm):
    hide = BooleanField("Don't show my name among top performers")
    submit = SubmitField("Save")
