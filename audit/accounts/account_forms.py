"""The forms of a person's own account page."""

from __future__ import annotations

from wtforms import PasswordField, SubmitField

from audit.accounts.password_forms import (
    NewPasswordForm,
    new_password_field,
    repeat_password_field,
)
from audit.web.forms import Required


class ChangePasswordForm(NewPasswordForm):
    """The current password, then a new one twice. ``account`` is the person changing it:
    :class:`StrongPassword` keeps their name and e-mail out of the new password."""

    current_password = PasswordField(
        "Current password",
        validators=[Required()],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password_field()
    confirm = repeat_password_field()
    submit = SubmitField("Change password")
