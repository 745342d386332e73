"""The forms of a person's own account page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from audit.accounts.password_forms import (
    NewPasswordForm,
    new_password_field,
    repeat_password_field,
)
from audit.languages import LANGUAGES
from audit.web.forms import Required


class ChangePasswordForm(NewPasswordForm):
    """The current password, then a new one twice. ``account`` is the person changing it:
    :class:`StrongPassword` keeps their name and e-mail out of the new password."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[Required()],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password_field()
    confirm = repeat_password_field()
    submit = SubmitField(_l("Change password"))


class LanguageForm(FlaskForm):
    """The language of the interface: a shipped one, or the browser's (the empty choice)."""

    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("", _l("As my browser asks"))]
        + [SelectChoice(code, name) for code, name in LANGUAGES.items()],
        validate_choice=True,
    )
    submit = SubmitField(_l("Save language"))
