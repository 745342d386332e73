"""Forms of the field pages, and reading a draft from JSON or from the plain HTML form."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, HiddenField, SelectField

from audit.scorecards.definition import ScorecardDefinition
from audit.shop.service import DraftData, Position
from audit.web.forms import Required

#: Field names of the visit details in the HTML form (question fields are PREFIX-KEY).
PREFIX = "answer"


class StartForm(FlaskForm):
    """Start a visit; the position fields are filled in by the page when the shopper agrees."""

    share_location = BooleanField(_l("Share my location when I start"), default=True)
    lat = HiddenField()
    lng = HiddenField()
    accuracy = HiddenField()

    def position(self) -> Position | None:
        """The phone's position if it was shared and makes sense, else None."""
        if not self.share_location.data:
            return None
        lat, lng, accuracy = (_number(f.data) for f in (self.lat, self.lng, self.accuracy))
        if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
            return None
        if accuracy is not None and not 0 <= accuracy <= 100_000:
            accuracy = None
        return Position(lat, lng, accuracy)


class AuditForm(StartForm):
    # No choice check: a branch outside the assessor's scope must answer 403, not a form error.
    branch = SelectField(_l("Branch"), coerce=int, validate_choice=False, validators=[Required()])
    scorecard = SelectField(_l("Questionnaire"), coerce=int, validators=[Required()])


def _number(text: object) -> float | None:
    try:
        value = float(str(text))
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


# --- a draft as JSON (the phone's autosave) --------------------------------------


class MalformedDraft(ValueError):
    """JSON that is not a draft at all (not a wrong answer: those are reported per key)."""


_SCALARS = (str, int, float, bool, type(None))


def _text(value: object, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedDraft(f"{what} must be text")
    return value


def draft_from_json(payload: object) -> DraftData:
    """Check the shape of the phone's JSON; keys left out are left as they are."""
    if not isinstance(payload, Mapping):
        raise MalformedDraft("Send the draft as a JSON object")
    data = DraftData()
    answers = payload.get("answers")
    if answers is not None:
        if not isinstance(answers, Mapping) or not all(
            isinstance(k, str) and isinstance(v, _SCALARS) for k, v in answers.items()
        ):
            raise MalformedDraft("answers must map question keys to values")
        data.answers = dict(answers)
    comments = payload.get("comments")
    if comments is not None:
        if not isinstance(comments, Mapping) or not all(isinstance(k, str) for k in comments):
            raise MalformedDraft("comments must map question keys to text")
        data.comments = {k: _text(v, "a comment") for k, v in comments.items()}
    staff = payload.get("staff_ids")
    if staff is not None:
        if not isinstance(staff, list):
            raise MalformedDraft("staff_ids must be a list")
        try:
            data.staff_ids = [int(s) for s in staff if not isinstance(s, bool)]
        except (TypeError, ValueError):
            raise MalformedDraft("staff_ids must be numbers") from None
    if "staff_description" in payload:
        data.staff_description = _text(payload["staff_description"], "staff_description")
    for name in ("started_at", "ended_at"):
        if name in payload:
            setattr(data, name, _text(payload[name], name))
    return data


# --- a draft from the plain HTML form (no JavaScript) --------------------------------


def field_name(key: str) -> str:
    return f"{PREFIX}-{key}"


def draft_from_form(form: MultiDict[str, str], definition: ScorecardDefinition) -> DraftData:
    """The whole form as a draft: every question is in it, so a blank one is unanswered."""
    answers: dict[str, Any] = {}
    comments: dict[str, str] = {}
    for question in definition.questions():
        name = field_name(question.key)
        if form.get(f"{name}-na"):
            answers[question.key] = "na"
        else:
            answers[question.key] = form.get(name)
        if f"{name}-comment" in form:
            comments[question.key] = form.get(f"{name}-comment", "")
    return DraftData(
        answers=answers,
        comments=comments,
        staff_ids=[int(s) for s in form.getlist("staff_ids") if s.isdigit()],
        staff_description=form.get("staff_description", ""),
        # datetime-local values carry no zone: they are read on the branch's clock, the
        # one the page shows them on (audit.shop.service.parse_time), with or without
        # JavaScript.
        started_at=form.get("started_at", ""),
        ended_at=form.get("ended_at", ""),
    )
