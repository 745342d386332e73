"""Coaching notes to staff members, their replies, and kudos."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime

if TYPE_CHECKING:
    from audit.models.org import StaffMember
    from audit.models.user import User
    from audit.models.visit import Visit


class CoachingNote(db.Model):
    """A manager's note to one staff member, usually written from a visit.

    The staff member acknowledges it (``acknowledged_at``) and may reply; the
    manager closes it once the follow-up has happened (``closed_at``).
    """

    __tablename__ = "coaching_notes"
    __table_args__ = (Index("ix_coaching_notes_staff_created", "staff_member_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id", ondelete="CASCADE"))
    visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("visits.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    goal: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_note: Mapped[str] = mapped_column(Text, default="")

    staff_member: Mapped[StaffMember] = relationship()
    visit: Mapped[Visit | None] = relationship()
    author: Mapped[User | None] = relationship()
    replies: Mapped[list[CoachingReply]] = relationship(
        back_populates="note", order_by="CoachingReply.created_at", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CoachingReply(db.Model):
    __tablename__ = "coaching_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(
        ForeignKey("coaching_notes.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    note: Mapped[CoachingNote] = relationship(back_populates="replies")
    author: Mapped[User | None] = relationship()


class Kudos(db.Model):
    """Recognition sent to a staff member for a visit above the excellence threshold."""

    __tablename__ = "kudos"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text)
    #: The shopper's positive comments quoted with the kudos (no shopper identity).
    quoted: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff_member: Mapped[StaffMember] = relationship()
    visit: Mapped[Visit | None] = relationship()
    author: Mapped[User | None] = relationship()
