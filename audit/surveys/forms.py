"""The public survey form: the contact fields, the honeypot and the signed start time.

The card's own questions come from the scorecard and are drawn by the template
(``templates/surveys/_question.html``), read back by :func:`answers_from`.

No session CSRF token: the page serves people without an account, and a response acts
on nobody's session, so a forged cross-site post could do no more than anyone may do
by opening the link. Requiring the session cookie would only turn away the phones and
in-app QR browsers that refuse cookies. What the token would otherwise prove, that the
post comes from a page this server served, the signed start time (:func:`form_stamp`)
proves, and it also tells how long the form took to fill in.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import BooleanField, EmailField, HiddenField, StringField

from audit.models.survey import MAX_EMAIL_LENGTH
from audit.scorecards.definition import ScorecardDefinition

__all__ = ["HONEYPOT", "SurveyForm", "answers_from", "field_name", "form_stamp", "read_stamp"]

#: The honeypot's name: a field people never see (hidden by the stylesheet, out of the
#: tab order, labelled "leave this empty" for screen readers) and robots fill in.
HONEYPOT = "website"
_STAMP_SALT = "customer-survey-form-started"


class SurveyForm(FlaskForm):
    class Meta:
        csrf = False  # see the module's docstring

    contact = BooleanField(_l("You may contact me about my answers"))
    email = EmailField(
        _l("Your e-mail address"),
        render_kw={"autocomplete": "email", "maxlength": MAX_EMAIL_LENGTH},
        description=_l("Used only to reply about these answers; never shown to staff."),
    )
    website = StringField(
        _l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"}
    )
    stamp = HiddenField()


def field_name(question_key: str) -> str:
    """The form field of a question (prefixed, so no key can clash with the fields above)."""
    return f"q-{question_key}"


def answers_from(definition: ScorecardDefinition, form: Mapping[str, str]) -> dict[str, str]:
    """The raw answers posted for the card's questions, by question key."""
    return {
        q.key: form[field_name(q.key)] for q in definition.questions() if field_name(q.key) in form
    }


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_STAMP_SALT)


def form_stamp(token: str, now: float | None = None) -> str:
    """The signed moment the form was served, tied to the link it was served for."""
    return _serializer().dumps([int(now if now is not None else time.time()), token[-16:]])


def read_stamp(stamp: str, token: str) -> float:
    """When the form was served; ValueError for a missing, forged or borrowed stamp."""
    try:
        value = _serializer().loads(stamp or "")
    except BadSignature:
        raise ValueError(gettext("This form is out of date: please reload the page.")) from None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or value[1] != token[-16:]
    ):
        raise ValueError(gettext("This form is out of date: please reload the page."))
    return float(value[0])
