"""Forms for choosing a password: the check :class:`StrongPassword`, the form that asks
for a reset link and the form that sets a new password (:class:`NewPasswordForm`, for a
reset link or an accepted invitation).

Put :class:`StrongPassword` on every field where a person (or an administrator for them)
chooses a password; the rules themselves are
:func:`audit.accounts.passwords.password_problem`.

How to use it::

    # The form has the account's e-mail and name fields (creating an account):
    password = PasswordField("Password", validators=[Required(), StrongPassword()])

    # Other field names:
    StrongPassword(email_field="address", name_field="full_name")

    # The form has no such fields (a reset or an invitation being accepted): give the
    # form an ``account`` attribute (anything with ``email`` and ``name``), e.g.
    #     form = NewPasswordForm(account=user)   # with __init__ keeping it
    # or pass values, or callables that take the form:
    StrongPassword(email=lambda form: form.user.email, name=lambda form: form.user.name)

Where the form has neither, the password is still checked, only without the person's
details. An empty field is left to ``Required``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, Form, PasswordField, SubmitField
from wtforms.validators import EqualTo, Length, StopValidation

from audit.accounts.email_address import EmailAddress
from audit.accounts.passwords import MIN_LENGTH, password_problem
from audit.web.forms import Required

__all__ = [
    "NEW_PASSWORD",
    "PASSWORD_ADVICE",
    "ForgotPasswordForm",
    "NewPasswordForm",
    "StrongPassword",
]

#: Password managers offer to generate, and do not fill in, a password chosen here.
NEW_PASSWORD = {"autocomplete": "new-password"}

Detail = str | Callable[[Any], str] | None

#: A field description that says the rules before anyone breaks them.
PASSWORD_ADVICE = _l(
    "At least %(min)s characters, not easy to guess: three or four unrelated words "
    "work well. Not your name or e-mail address.",
    min=MIN_LENGTH,
)


class StrongPassword:
    """Refuse a new password that is short, common or made of the account's own details.

    The account's e-mail and name come from, in order: ``email``/``name`` (a value or a
    callable taking the form), the form's ``email_field``/``name_field`` fields, the
    form's ``account`` attribute.
    """

    field_flags = {"minlength": MIN_LENGTH}

    def __init__(
        self,
        email_field: str = "email",
        name_field: str = "name",
        *,
        email: Detail = None,
        name: Detail = None,
    ) -> None:
        self.email_field = email_field
        self.name_field = name_field
        self.email = email
        self.name = name

    def __call__(self, form: Form, field: Field) -> None:
        if not field.data:
            return
        problem = password_problem(
            field.data,
            email=self._detail(form, self.email, self.email_field, "email"),
            name=self._detail(form, self.name, self.name_field, "name"),
        )
        if problem:
            raise StopValidation(problem)

    @staticmethod
    def _detail(form: Form, given: Detail, field_name: str, attribute: str) -> str:
        if callable(given):
            return given(form) or ""
        if given:
            return given
        if field_name in form and isinstance(form[field_name].data, str):
            return form[field_name].data
        account = getattr(form, "account", None)
        return getattr(account, attribute, "") or ""


class ForgotPasswordForm(FlaskForm):
    """Ask for a reset link: only an address, checked for its shape, never looked up."""

    email = EmailField(
        _l("Email"),
        validators=[Required(), EmailAddress(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    submit = SubmitField(_l("Send me a link"))


def new_password_field() -> PasswordField:
    """The new password, checked for strength (a new field each call: forms order their
    fields by when each was made)."""
    return PasswordField(
        _l("New password"),
        validators=[Required(), StrongPassword()],
        description=PASSWORD_ADVICE,
        render_kw=NEW_PASSWORD,
    )


def repeat_password_field() -> PasswordField:
    """The new password again, which must equal the field named ``password``."""
    return PasswordField(
        _l("Repeat the new password"),
        validators=[Required(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw=NEW_PASSWORD,
    )


class NewPasswordForm(FlaskForm):
    """Choose a new password for ``account``, typed twice: a reset link, an accepted
    invitation, an administrator's reset; the account page adds the current password."""

    password = new_password_field()
    confirm = repeat_password_field()
    submit = SubmitField(_l("Set password and sign in"))

    def __init__(self, *args: Any, account: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
