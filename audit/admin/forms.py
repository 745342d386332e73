from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import (
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from audit.accounts.email_address import EmailAddress
from audit.accounts.password_forms import PASSWORD_ADVICE, NewPasswordForm, StrongPassword
from audit.extensions import db
from audit.models import Role, User
from audit.settings import ROLE_SET_SPECS
from audit.web.forms import Required, RequiredInput

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]


#: Password managers offer to generate, and do not fill in, a password set here.
NEW_PASSWORD = {"autocomplete": "new-password"}


class UserForm(FlaskForm):
    """Create (with a password) or edit (without) an account."""

    email = EmailField(_l("Email"), validators=[Required(), EmailAddress(), Length(max=254)])
    name = StringField(_l("Full name"), validators=[Required(), Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[Required()])
    regions = SelectMultipleField(
        _l("Region scope"),
        coerce=int,
        description=_l("Managers and assessors only. Leave empty for the whole organisation."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(message=_l("Set a first password for the account.")),
            StrongPassword(),
        ],
        description=PASSWORD_ADVICE,
        render_kw=NEW_PASSWORD,
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, editing: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing is not None:
            del self.password

    def validate_email(self, field: EmailField) -> None:
        email = field.data.strip().lower()
        query = select(User.id).where(func.lower(User.email) == email)
        if self.editing is not None:
            query = query.where(User.id != self.editing.id)
        if db.session.scalar(query) is not None:
            raise ValidationError(_l("Another account already uses this email."))

    def validate_regions(self, field: SelectMultipleField) -> None:
        if field.data and self.role.data not in {Role.MANAGER.value, Role.ASSESSOR.value}:
            raise ValidationError(_l("Only managers and assessors can be limited to regions."))


class PasswordResetForm(NewPasswordForm):
    submit = SubmitField(_l("Set password"))


class RoleSetField(SelectMultipleField):
    """A tick box per role (the settings page draws it as a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def settings_form_class(specs) -> type[FlaskForm]:  # noqa: ANN001
    """A form with one whole-number field per setting, with its limits, the main
    scorecard (its choices are the published scorecards, set by the view) and a tick box
    per role for each role-set setting; built for each request, in the reader's language
    (the settings' words are marked in :mod:`audit.settings`)."""

    class SettingsForm(FlaskForm):
        main_scorecard = SelectField(
            _l("Main scorecard"),
            choices=[],
            description=_l("Reports open on this scorecard; anyone can pick another on the page."),
        )
        submit = SubmitField(_l("Save settings"))

    for role_set in ROLE_SET_SPECS:
        field = RoleSetField(
            gettext(role_set.label), choices=ROLE_CHOICES, description=gettext(role_set.help)
        )
        setattr(SettingsForm, role_set.key, field)
    for spec in specs:
        field = IntegerField(
            gettext(spec.label),
            validators=[
                Optional() if spec.optional else RequiredInput(),
                NumberRange(spec.minimum, spec.maximum),
            ],
            description=gettext(spec.help)
            + " "
            + gettext("Default %(value)s.", value=spec.default),
        )
        setattr(SettingsForm, spec.key, field)
    return SettingsForm
