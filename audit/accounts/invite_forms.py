"""The invitation forms: one person, a CSV file, and choosing a password to accept."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import Length

from audit.accounts.email_address import EmailAddress
from audit.accounts.password_forms import NewPasswordForm
from audit.web.forms import Required

NEW_PASSWORD = {"autocomplete": "new-password"}


class InviteForm(FlaskForm):
    """One person; the view offers only the roles and regions the inviter may give."""

    name = StringField(_l("Full name"), validators=[Required(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[Required(), EmailAddress(), Length(max=254)])
    role = SelectField(_l("Role"), validators=[Required()])
    regions = SelectMultipleField(
        _l("Region scope"),
        coerce=int,
        description=_l("Managers and assessors only. Leave empty for the whole organisation."),
    )
    staff_code = StringField(
        _l("Staff code"),
        validators=[Length(max=20)],
        description=_l(
            "Staff accounts: the staff member this account is for (from the staff list)."
        ),
    )
    submit = SubmitField(_l("Send invitation"))


class InviteCsvForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file to upload."))])
    submit = SubmitField(_l("Send invitations"))


class AcceptInvitationForm(NewPasswordForm):
    """The invited person chooses a password, checked against their own name and address."""

    submit = SubmitField(_l("Choose password and sign in"))


class BackForm(FlaskForm):
    """A one-button action (send again, withdraw) that returns to the page it was on."""

    next = HiddenField()
    submit = SubmitField(_l("Confirm"))
