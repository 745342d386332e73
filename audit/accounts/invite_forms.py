"""The invitation forms: one person, a CSV file, and choosing a password to accept."""

from __future__ import annotations

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

    name = StringField("Full name", validators=[Required(), Length(max=120)])
    email = EmailField("Email", validators=[Required(), EmailAddress(), Length(max=254)])
    role = SelectField("Role", validators=[Required()])
    regions = SelectMultipleField(
        "Region scope",
        coerce=int,
        description="Managers and assessors only. Leave empty for the whole organisation.",
    )
    staff_code = StringField(
        "Staff code",
        validators=[Length(max=20)],
        description="Staff accounts: the staff member this account is for (from the staff list).",
    )
    submit = SubmitField("Send invitation")


class InviteCsvForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to upload.")])
    submit = SubmitField("Send invitations")


class AcceptInvitationForm(NewPasswordForm):
    """The invited person chooses a password, checked against their own name and address."""

    submit = SubmitField("Choose password and sign in")


class BackForm(FlaskForm):
    """A one-button action (send again, withdraw) that returns to the page it was on."""

    next = HiddenField()
    submit = SubmitField("Confirm")
