"""The confirm step of an erasure: the administrator types the person's e-mail or code."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import ValidationError

from audit.web.forms import Required


class ErasureForm(FlaskForm):
    """Erasing cannot be undone, so a click is not enough: the person's e-mail (an
    account) or staff code (a staff member without one) must be typed back."""

    confirm = StringField(_l("Type it to confirm"), validators=[Required()])
    submit = SubmitField(_l("Erase this person"))

    def __init__(self, expected: str, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.expected = expected

    def validate_confirm(self, field: StringField) -> None:
        if (field.data or "").strip().lower() != self.expected.lower():
            raise ValidationError(
                gettext("Type %(expected)s exactly to confirm the erasure.", expected=self.expected)
            )
