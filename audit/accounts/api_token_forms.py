from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from audit.accounts.api_tokens import MAX_EXPIRY_DAYS, NAME_MAX, SCOPES
from audit.web.forms import Required


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[Required(), Length(max=NAME_MAX)],
        description=_l("What will use it, e.g. “HR sync” or “BI dashboard”."),
    )
    scopes = SelectMultipleField(
        _l("Scopes"),
        choices=[SelectChoice(s, s) for s in SCOPES],
        description=_l("None chosen: every right your role has. Write includes read."),
    )
    expires_days = IntegerField(
        _l("Expires after (days)"),
        validators=[Optional(), NumberRange(1, MAX_EXPIRY_DAYS)],
        description=_l("Leave empty for a token that does not expire."),
    )
    submit = SubmitField(_l("Create token"))
