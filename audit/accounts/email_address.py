"""Email address checks shared by forms and imports.

email-validator refuses the reserved ``.test`` domain by default; the demo
accounts use it (``admin@demo.test``), so it is allowed here. Deliverability
is never checked: there is no network to ask.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext
from wtforms import Field
from wtforms.validators import ValidationError

from audit.languages import current_language


def normalise_email(value: str) -> str:
    """The lower-cased, normalised address; ValueError with a readable reason otherwise."""
    try:
        result = validate_email(value.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None
    return result.normalized.lower()


class EmailAddress:
    """WTForms validator built on :func:`normalise_email`."""

    def __call__(self, form: object, field: Field) -> None:
        if not field.data:
            return
        try:
            normalise_email(field.data)
        except ValueError as error:
            # email-validator explains in English only: another language gets our words.
            english = current_language() == "en"
            reason = str(error) if english else gettext("Enter a valid e-mail address.")
            raise ValidationError(reason) from None
