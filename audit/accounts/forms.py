from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from audit.accounts.email_address import EmailAddress


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), EmailAddress(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Sign in")


class EmptyForm(FlaskForm):
    """For one-button actions: CSRF protection and nothing else."""

    submit = SubmitField("Confirm")
