"""Checking a typed password in the same time whether or not the account exists.

Sign-in must not tell, by how long it takes, which addresses have accounts. Hashing is
what takes the time (about 100 ms for werkzeug's scrypt, against a few ms for the rest),
so when there is no account, or no password to compare with, the typed password is
checked against a dummy hash made the same way as real ones.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Flask
from werkzeug.security import check_password_hash, generate_password_hash

from audit.accounts.secrets import new_secret
from audit.models import User
from audit.models.user import DEFAULT_PASSWORD_HASH_METHOD, password_hash_method

__all__ = ["check_hash_method", "password_matches"]


def password_matches(user: User | None, password: str) -> bool:
    """True when ``user`` exists and ``password`` is theirs; as slow either way."""
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(password_hash_method()), password)
        return False
    return user.check_password(password)


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A hash of a random secret, with the method and cost of :meth:`User.set_password`,
    made once per process and method on the first sign-in that needs it."""
    return generate_password_hash(new_secret(), method)


def check_hash_method(app: Flask) -> None:
    """Stop the app at start when ``PASSWORD_HASH_METHOD`` is no method werkzeug knows,
    instead of at the first password set; the dummy hash it makes is the one sign-in
    needs anyway."""
    method = app.config.setdefault("PASSWORD_HASH_METHOD", DEFAULT_PASSWORD_HASH_METHOD)
    try:
        _dummy_hash(method)
    except (ValueError, TypeError) as error:
        raise RuntimeError(f"PASSWORD_HASH_METHOD: {error}") from None
