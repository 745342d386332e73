"""Signed-in sessions as rows, so that ending one works at once and on every worker.

Flask-Login keeps whatever :meth:`User.get_id` returns in the session cookie and in the
remember-me cookie. That value is the key of a :class:`UserSession` row, not the user
id: the user loader looks the row up on every request and refuses a key whose row has
ended, so signing out, a password change or reset, deactivation and "sign out
everywhere" refuse every copy of both cookies, whichever worker or host serves them.
Only the key's digest is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app, g, has_request_context, request
from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager

from audit.accounts.secrets import digest, new_secret
from audit.extensions import db
from audit.models import User, UserSession

#: A session's "last seen" is written at most this often (not on every request).
TOUCH_EVERY = timedelta(minutes=1)


def start_session(user: User, *, method: str, remember: bool) -> UserSession:
    """A new session row for ``user``; sets ``user.session_key`` for Flask-Login to keep."""
    key = new_secret()
    row = UserSession(
        user=user,
        key_hash=digest(key),
        method=method,
        remember=remember,
        user_agent=_user_agent(),
        ip_address=_address(),
    )
    db.session.add(row)
    user.session_key = key
    user.last_login_at = datetime.now(UTC)
    if has_request_context():
        g.user_session = row
    return row


def user_for_key(key: str) -> User | None:
    """The active user whose live session has this key, or None (the cookie is refused)."""
    row = db.session.scalar(
        select(UserSession)
        .join(User, User.id == UserSession.user_id)
        .where(
            UserSession.key_hash == digest(key),
            UserSession.ended_at.is_(None),
            User.active.is_(True),
        )
        .options(contains_eager(UserSession.user))
    )
    if row is None:
        return None
    now = datetime.now(UTC)
    if now - row.last_seen_at > _idle_limit(row):
        _end_rows([row.id], "expired")
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        # On its own connection: a GET that never commits still records the visit.
        with db.engine.begin() as connection:
            connection.execute(
                update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now)
            )
    user = row.user
    user.session_key = key
    if has_request_context():
        g.user_session = row
    return user


def current_session() -> UserSession | None:
    """The session row of this request's signed-in user, if any."""
    return g.get("user_session") if has_request_context() else None


def active_sessions(user: User) -> list[UserSession]:
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def end_session(row: UserSession, reason: str) -> None:
    if row.ended_at is None:
        row.ended_at = datetime.now(UTC)
        row.ended_reason = reason


def end_sessions(user: User, reason: str, *, keep: UserSession | None = None) -> int:
    """End every live session of ``user`` (but ``keep``); returns how many ended."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(
        query.values(ended_at=datetime.now(UTC), ended_reason=reason).execution_options(
            synchronize_session=False
        )
    )
    return result.rowcount or 0


def _end_rows(ids: list[int], reason: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            update(UserSession)
            .where(UserSession.id.in_(ids), UserSession.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC), ended_reason=reason)
        )


def _idle_limit(row: UserSession) -> timedelta:
    """How long a session may go unused: the remember-me lifetime when the person asked to
    be kept signed in, else the session lifetime."""
    config = current_app.config
    if row.remember:
        return config["REMEMBER_COOKIE_DURATION"]
    return config["PERMANENT_SESSION_LIFETIME"]


def _user_agent() -> str:
    return (request.headers.get("User-Agent", "") if has_request_context() else "")[:300]


def _address() -> str:
    return (request.remote_addr or "" if has_request_context() else "")[:64]
