"""What an account carries beyond its row: signed-in sessions, single-use links, recovery codes.

Secrets are never stored: a session key, a link token and a recovery code are kept
as their SHA-256 digest, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from audit.models.user import User


class UserSession(db.Model):
    """One signed-in browser or device. Its key is what the session and remember-me
    cookies carry; ending the row refuses both, on every worker, at the next request."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: How the person proved who they are: password, password+totp, password+recovery, sso.
    method: Mapped[str] = mapped_column(String(32))
    remember: Mapped[bool] = mapped_column(default=False)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why it ended: signed_out, ended_by_user, signed_out_everywhere, password_changed,
    #: password_reset, deactivated, expired.
    ended_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.ended_at is None


class LinkPurpose(enum.StrEnum):
    INVITE = "invite"
    RESET = "reset"


class AccountLink(db.Model):
    """A single-use link mailed to a person: an invitation or a password reset."""

    __tablename__ = "account_links"
    __table_args__ = (Index("ix_account_links_user_id_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[LinkPurpose] = mapped_column(str_enum(LinkPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: An invitation's mail, sent by a background task: when the SMTP server took it, or
    #: when it did not (the waiting invitations list says so; both None: not sent yet).
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class RecoveryCode(db.Model):
    """One of the ten single-use codes that stand in for a lost authenticator."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
