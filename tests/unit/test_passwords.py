"""Which new passwords are refused, and what the refusal says to do instead."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, StringField

from audit.accounts.password_forms import StrongPassword
from audit.accounts.passwords import MIN_LENGTH, password_problem

EMAIL = "amira.hassan@example.org"
NAME = "Amira Hassan"


@pytest.mark.parametrize(
    "password",
    [
        "password",
        "12345678",
        "1234567890",
        "password123",
        "qwertyuiop",
        "Password123!",
        "iloveyou2024",
        "aaaaaaaaaaaa",
    ],
)
def test_common_passwords_are_refused_for_everyone(password):
    assert password_problem(password) is not None
    assert password_problem(password, email=EMAIL, name=NAME) is not None


@pytest.mark.parametrize(
    "password",
    [
        "amira.hassan1",
        "amira.hassan12",
        "Amira.Hassan2024",
        "AmiraHassan1987",
        "Amira Hassan 1987",
        "hassan!amira!1",
        "amira.hassan@example.org",
    ],
)
def test_passwords_made_of_the_persons_own_details_are_refused(password):
    problem = password_problem(password, email=EMAIL, name=NAME)
    assert problem is not None
    assert "name or e-mail address" in problem


def test_the_same_words_are_fine_for_someone_else():
    """The refusal is about the person: Amira's name is no weakness in Ben's password."""
    assert password_problem("AmiraHassan1987", email="ben@example.org", name="Ben Okafor") is None


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery",
        "amira loves purple elephants",
        "plum tractor ceiling 42",
        "Tr0ub4dor&3x!",
    ],
)
def test_strong_passwords_pass(password):
    assert password_problem(password, email=EMAIL, name=NAME) is None


def test_a_short_password_is_told_the_minimum_and_how_to_reach_it():
    problem = password_problem("Xq7#pL2!", email=EMAIL)
    assert problem is not None
    assert f"at least {MIN_LENGTH} characters" in problem
    assert "(this has 8)" in problem
    assert "words" in problem


def test_a_weak_password_gets_the_estimators_reason_and_advice():
    problem = password_problem("qwertyuiop")
    assert problem is not None
    assert problem.startswith("This password is too easy to guess.")
    assert "common password" in problem
    assert "Add another word" in problem


def test_a_very_long_password_is_refused_in_words_and_judged_quickly():
    assert password_problem("x" * 201) == "Use at most 200 characters."
    assert password_problem("plum tractor ceiling " * 9) is None  # 189 characters


class _AccountForm(FlaskForm):
    class Meta:
        csrf = False

    email = StringField()
    name = StringField()
    password = PasswordField(validators=[StrongPassword()])


class _ResetForm(FlaskForm):
    class Meta:
        csrf = False

    password = PasswordField(validators=[StrongPassword()])

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account


class _Person:
    email = EMAIL
    name = NAME


def _check(form: FlaskForm) -> list[str]:
    form.validate()
    return list(form.password.errors)


def test_validator_reads_the_forms_own_email_and_name_fields(app):
    with app.test_request_context():
        weak = MultiDict({"email": EMAIL, "name": NAME, "password": "AmiraHassan1987"})
        assert "name or e-mail address" in _check(_AccountForm(formdata=weak))[0]
        strong = MultiDict({"email": EMAIL, "name": NAME, "password": "plum tractor ceiling"})
        assert _check(_AccountForm(formdata=strong)) == []


def test_validator_reads_the_forms_account_when_it_has_no_such_fields(app):
    with app.test_request_context():
        data = MultiDict({"password": "AmiraHassan1987"})
        assert _check(_ResetForm(formdata=data, account=_Person()))
        assert _check(_ResetForm(formdata=data)) == []  # without Amira, not her details


def test_validator_takes_values_or_callables(app):
    class Given(_ResetForm):
        password = PasswordField(validators=[StrongPassword(email=EMAIL, name=NAME)])

    class Called(_ResetForm):
        password = PasswordField(
            validators=[StrongPassword(email=lambda form: form.account.email, name="")]
        )

    with app.test_request_context():
        data = MultiDict({"password": "amira.hassan12"})
        assert _check(Given(formdata=data))
        assert _check(Called(formdata=data, account=_Person()))


def test_validator_leaves_an_empty_field_to_required(app):
    with app.test_request_context():
        assert _check(_ResetForm(formdata=MultiDict({"password": ""}))) == []
