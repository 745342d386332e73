"""The unsubscribe link of a scheduled report's mail: signed, needs no sign-in.

The link carries the subscription and the recipient, signed with the app's
``SECRET_KEY`` (itsdangerous, under a salt of its own), so nobody can make one for
someone else; it does not expire, as a mail can be read months later. Opening it shows
one button; the button, or a mail program's one-click POST (RFC 8058, announced by the
``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers), takes the person off.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeSerializer

__all__ = ["UNSUBSCRIBE_PATH", "read_token", "unsubscribe_path", "unsubscribe_token"]

#: The page an unsubscribe link opens: this path and the token.
UNSUBSCRIBE_PATH = "/reports/unsubscribe/"
_SALT = "report-subscription-unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def unsubscribe_token(subscription_id: int, user_id: int) -> str:
    return _serializer().dumps([subscription_id, user_id])


def unsubscribe_path(subscription_id: int, user_id: int) -> str:
    return UNSUBSCRIBE_PATH + unsubscribe_token(subscription_id, user_id)


def read_token(token: str) -> tuple[int, int]:
    """(subscription id, user id) of a genuine token; ValueError for any other (its words
    shown on the page, in the reader's language)."""
    invalid = gettext("This unsubscribe link is not valid: check that it is complete.")
    try:
        value = _serializer().loads(token)
    except BadSignature:
        raise ValueError(invalid) from None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise ValueError(invalid)
    return value[0], value[1]
