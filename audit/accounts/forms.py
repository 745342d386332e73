from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import Length

from audit.accounts.email_address import EmailAddress
from audit.web.forms import Required


class LoginForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[Required(), EmailAddress(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password", validators=[Required()], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Sign in")
