"""Forms of two-factor sign-in: a code at sign-in, a code to enrol, a proof to change it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import Length

from audit.web.forms import Required


class SignInCodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[Required(), Length(max=40)],
        description=_l(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )
    submit = SubmitField(_l("Confirm sign-in"))


class EnrolForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[Required(), Length(max=20)],
        description=_l("After adding the account, enter the 6-digit code the app shows."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Turn on two-factor sign-in"))


class ProofForm(FlaskForm):
    """Turning two-factor sign-in off or making new recovery codes asks for proof again."""

    proof = PasswordField(
        _l("Your password or a current code"),
        validators=[Required(), Length(max=200)],
        description=_l("Your password, a code from your authenticator app, or a recovery code."),
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Confirm"))
