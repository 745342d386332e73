"""Sign-in throttling: too many failures for one account or from one address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext
from sqlalchemy import delete, func, select

from audit.extensions import db
from audit.models import LoginAttempt


@dataclass(frozen=True)
class ThrottleLimits:
    window: timedelta
    per_account: int
    per_address: int


def throttle_message(limits: ThrottleLimits, email: str, address: str) -> str | None:
    """Why sign-in is refused right now, or None when it may go ahead."""
    since = datetime.now(UTC) - limits.window
    by_account = db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.email == email, LoginAttempt.at >= since)
    )
    minutes = int(limits.window.total_seconds() // 60)
    if by_account >= limits.per_account:
        return gettext(
            "Too many failed sign-ins for this account. For your security, wait %(minutes)s "
            "minutes before trying again, or ask an administrator to reset your password.",
            minutes=minutes,
        )
    by_address = db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.address == address, LoginAttempt.at >= since)
    )
    if by_address >= limits.per_address:
        return gettext(
            "Too many failed sign-ins from this network. Wait %(minutes)s minutes before "
            "trying again.",
            minutes=minutes,
        )
    return None


def record_failure(email: str, address: str) -> None:
    db.session.add(LoginAttempt(email=email, address=address))


def clear_failures(email: str, older_than: timedelta) -> None:
    """Forget an account's failures after it signs in, and prune old rows."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    cutoff = datetime.now(UTC) - older_than
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))
