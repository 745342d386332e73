"""What every form shares: the "required" checks that name their field, the one-button form."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form, SubmitField
from wtforms.validators import DataRequired, InputRequired, StopValidation


class _NamesTheField:
    """Says which field is missing ("Email is required.") instead of WTForms' generic
    "This field is required.", which is no help on a long form read on a phone."""

    message: str | None

    def __call__(self, form: Form, field: Field) -> None:
        try:
            super().__call__(form, field)  # type: ignore[misc]
        except StopValidation:
            if self.message is not None:
                raise
            message = gettext("%(field)s is required.", field=field.label.text)
            raise StopValidation(message) from None


class Required(_NamesTheField, DataRequired):
    """:class:`~wtforms.validators.DataRequired`, naming the field when it is empty."""


class RequiredInput(_NamesTheField, InputRequired):
    """:class:`~wtforms.validators.InputRequired` (0 is an answer), naming the field."""


class EmptyForm(FlaskForm):
    """For one-button actions: CSRF protection and nothing else."""

    submit = SubmitField(_l("Confirm"))
