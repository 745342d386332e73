from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import Length

from audit.accounts.email_address import EmailAddress
from audit.web.forms import Required


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[Required(), EmailAddress(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"), validators=[Required()], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))
