"""What a signed-in person does to their own account: change the password, see and end
their sessions.

Every function here acts for ``user`` on ``user``'s own rows; the views pass
``current_user``. A session of someone else is not found (:class:`SessionNotFound`), so
the view answers 404 and the row's existence does not leak. Nothing here commits: the
view ends the unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from audit.accounts.devices import describe_device
from audit.accounts.sessions import active_sessions, end_session, end_sessions
from audit.extensions import db
from audit.models import User, UserSession, record_event
from audit.service_errors import FieldError

__all__ = [
    "PasswordChangeError",
    "SessionNotFound",
    "SessionView",
    "change_own_password",
    "end_own_session",
    "own_sessions",
    "sign_out_everywhere",
]


class PasswordChangeError(FieldError):
    """The current password given was not the account's."""


class SessionNotFound(LookupError):
    """No session of this person with that id (someone else's, or none at all)."""


@dataclass(frozen=True)
class SessionView:
    """One active session as the account page lists it."""

    id: int
    device: str
    place: str
    signed_in_at: datetime
    last_seen_at: datetime
    remembered: bool
    method: str
    this_device: bool


def own_sessions(user: User, current: UserSession | None) -> list[SessionView]:
    """The person's active sessions, the one of this request first, then most recent."""
    views = [
        SessionView(
            id=row.id,
            device=describe_device(row.user_agent, gettext),
            place=row.ip_address or gettext("Unknown"),
            signed_in_at=row.created_at,
            last_seen_at=row.last_seen_at,
            remembered=row.remember,
            method=row.method,
            this_device=current is not None and row.id == current.id,
        )
        for row in active_sessions(user)
    ]
    return sorted(views, key=lambda view: not view.this_device)


def change_own_password(
    user: User, *, current_password: str, new_password: str, keep: UserSession | None
) -> int:
    """Set ``user``'s new password after checking the current one, and end every other
    session (``keep`` is this browser's). Returns how many sessions ended."""
    if user.password_hash is None:
        raise PasswordChangeError(
            gettext("Your account has no password here: you sign in through single sign-on."),
            field="current_password",
        )
    if not user.check_password(current_password):
        raise PasswordChangeError(
            gettext("That is not your current password."), field="current_password"
        )
    if user.check_password(new_password):
        raise PasswordChangeError(
            gettext("The new password is your current one; choose another."), field="password"
        )
    user.set_password(new_password)
    ended = end_sessions(user, "password_changed", keep=keep)
    record_event(user, "user.password_changed", user, sessions_ended=ended)
    return ended


def end_own_session(user: User, session_id: int) -> UserSession:
    """End one of ``user``'s own sessions; another person's is :class:`SessionNotFound`."""
    row = db.session.scalar(
        select(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    )
    if row is None:
        raise SessionNotFound(session_id)
    if row.ended_at is None:
        end_session(row, "ended_by_user")
        record_event(
            user,
            "user.session_ended",
            user,
            session=row.id,
            device=describe_device(row.user_agent),
            place=row.ip_address,
        )
    return row


def sign_out_everywhere(user: User) -> int:
    """End every session of ``user``, this browser's included. Returns how many ended."""
    ended = end_sessions(user, "signed_out_everywhere")
    record_event(user, "user.signed_out_everywhere", user, sessions_ended=ended)
    return ended


def set_own_language(user: User, language: str | None) -> None:
    """The interface language ``user`` reads in; None follows the browser, then the
    installation default. The form offers only shipped languages."""
    previous = user.language
    user.language = language or None
    if user.language != previous:
        record_event(user, "user.language_changed", user, language=user.language or "")
