"""Coaching forms: a note, a reply, closing a note, kudos, and the recognition opt-out."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SubmitField
from wtforms.validators import Optional

from audit.coaching.recognition import MESSAGE_MAX, QUOTE_MAX
from audit.coaching.service import BODY_MAX, GOAL_MAX
from audit.views import text_box


class NoteForm(FlaskForm):
    body = text_box(
        _l("Note"),
        BODY_MAX,
        rows=8,
        required=_l("Write the note."),
        description=_l("Pre-filled with the answers that lost points on the visit; edit freely."),
    )
    goal = text_box(_l("Goal"), GOAL_MAX, description=_l("What should be different next time?"))
    follow_up_on = DateField(_l("Follow-up date"), validators=[Optional()])
    submit = SubmitField(_l("Send note"))


class ReplyForm(FlaskForm):
    body = text_box(_l("Reply"), BODY_MAX, rows=3, required=_l("Write a reply."))
    submit = SubmitField(_l("Send reply"))


class CloseForm(FlaskForm):
    closing_note = text_box(_l("How did the follow-up go? (optional)"), GOAL_MAX)
    submit = SubmitField(_l("Close note"))


class KudosForm(FlaskForm):
    message = text_box(_l("Message"), MESSAGE_MAX, rows=3, required=_l("Write a message."))
    quoted = text_box(
        _l("What the customer said"),
        QUOTE_MAX,
        rows=4,
        description=_l(
            "The shopper's comments on answers that earned full points; the shopper is never named."
        ),
    )
    submit = SubmitField(_l("Send kudos"))


class RecognitionForm(FlaskForm):
    hide = BooleanField(_l("Don't show my name among top performers"))
    submit = SubmitField(_l("Save"))
