"""A forgotten password: a single-use link by e-mail, valid one hour, that ends every session.

Asking for a link must not tell anyone whether an address has an account, by the page or
by its timing. So the request itself does no lookup: the view records the request (for
throttling, by the typed address, account or not), hands :func:`send_reset_link` to the
background queue and answers at once. The task looks the address up and mails a link
only to an active account that has been taken up; an account whose invitation is still
pending gets nothing (the invitation is its way in, and can be sent again).

Throttling reuses the sign-in attempts table, under keys of their own (``reset:`` + the
address, ``reset:`` + the network address), so requests never count as failed sign-ins:
a few links per address per window, silently (the same page whatever the count), and a
refusal for a network that asks too often, which says nothing about any account.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import func, select

from audit.accounts.links import find_link, issue_link, revoke_links, use_link
from audit.accounts.mail import send_account_mail
from audit.accounts.passwords import password_problem
from audit.accounts.sessions import end_sessions
from audit.extensions import db
from audit.languages import recipient_language
from audit.models import LinkPurpose, LoginAttempt, User, record_event
from audit.service_errors import FieldError

__all__ = [
    "LINK_LIFETIME",
    "RESET_PATH",
    "ResetError",
    "ResetLimits",
    "account_for_link",
    "network_refusal",
    "record_request",
    "reset_account",
    "send_reset_link",
    "should_send",
]

log = logging.getLogger(__name__)

#: How long a reset link works.
LINK_LIFETIME = timedelta(hours=1)
#: The page a reset link opens: this path and the token (the view is registered on it).
RESET_PATH = "/reset/"

_PREFIX = "reset:"


class ResetError(FieldError):
    """The new password cannot be set; the message says why."""


# --- throttling ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResetLimits:
    window: timedelta
    #: Links mailed per address per window; later requests are answered the same way and
    #: send nothing (the newest link is the one that works anyway).
    per_email: int = 3
    #: Requests per network address per window before the page refuses.
    per_address: int = 20


def _email_key(email: str) -> str:
    key = _PREFIX + email
    # The column holds 254 characters: a long address is kept by its digest instead.
    return key if len(key) <= 254 else _PREFIX + hashlib.sha256(email.encode()).hexdigest()


def _address_key(address: str) -> str:
    return (_PREFIX + address)[:64]


def _count(since: datetime, *where: object) -> int:
    return db.session.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.at >= since, *where)
    )


def network_refusal(limits: ResetLimits, address: str) -> str | None:
    """Why this network may not ask for another link now, or None."""
    since = datetime.now(UTC) - limits.window
    if _count(since, LoginAttempt.address == _address_key(address)) < limits.per_address:
        return None
    minutes = int(limits.window.total_seconds() // 60)
    return gettext(
        "Too many password reset requests from this network. Wait %(minutes)s minutes "
        "before asking again.",
        minutes=minutes,
    )


def should_send(limits: ResetLimits, email: str) -> bool:
    """False when this address has had its links for the window (whatever it belongs to)."""
    since = datetime.now(UTC) - limits.window
    return _count(since, LoginAttempt.email == _email_key(email)) < limits.per_email


def record_request(email: str, address: str) -> None:
    db.session.add(LoginAttempt(email=_email_key(email), address=_address_key(address)))


# --- the background task ------------------------------------------------------------------


def send_reset_link(email: str, requested_from: str = "", link_base: str = "") -> bool:
    """Mail a reset link to the active account of ``email``, if there is one; True when a
    mail went out. Runs in the background (see :mod:`audit.tasks`).

    ``link_base`` is the address the request came to, used when ``APP_URL`` is not set."""
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.active or user.invitation_pending:
        return False
    token = issue_link(user, LinkPurpose.RESET, LINK_LIFETIME)
    record_event(None, "user.reset_requested", user, requested_from=requested_from)
    db.session.commit()
    with force_locale(recipient_language(user)):
        subject = gettext("Reset your password")
        body = _mail_body(user, _link(token, link_base), requested_from)
    sent = send_account_mail(user.email, subject, body)
    if not sent:
        log.warning("the password reset mail to user %s was not sent", user.id)
    return sent


def _link(token: str, link_base: str) -> str:
    base = current_app.config.get("APP_URL") or link_base
    return base.rstrip("/") + RESET_PATH + token


def _mail_body(user: User, link: str, requested_from: str) -> str:
    """The reset mail's text, in the current language (the caller forces the account's)."""
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    if requested_from:
        asked = gettext(
            "Someone asked (from the network address %(address)s) to reset the password of "
            "your Service Audit account, %(email)s.",
            address=requested_from,
            email=user.email,
        )
    else:
        asked = gettext(
            "Someone asked to reset the password of your Service Audit account, %(email)s.",
            email=user.email,
        )
    parts = (
        gettext("Hello %(name)s,", name=user.name),
        asked,
        ngettext(
            "To choose a new password, open this link within %(num)d minute:",
            "To choose a new password, open this link within %(num)d minutes:",
            minutes,
        ),
        link,
        gettext("The link works once. Setting a new password signs you out on every other device."),
        gettext("If you did not ask, you can ignore this mail: your password stays as it is."),
    )
    return "\n\n".join(parts) + "\n"


# --- using the link -----------------------------------------------------------------------


def account_for_link(token: str) -> User:
    """The account a live reset link belongs to; :class:`~audit.accounts.links.LinkError`
    (with words to show) for a link that is altered, used, replaced, expired or whose
    account was deactivated."""
    return find_link(token, LinkPurpose.RESET).user


def reset_account(token: str, password: str) -> User:
    """Set ``password`` through the link ``token``: the link is used up, every session of
    the account ends and the event is recorded; the caller commits and signs in afresh."""
    link = find_link(token, LinkPurpose.RESET)
    user = link.user
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise ResetError(problem)
    use_link(link)
    user.set_password(password)
    ended = end_sessions(user, "password_reset")
    revoke_links(user, LinkPurpose.RESET)
    record_event(user, "user.password_reset_done", user, sessions_ended=ended)
    return user
