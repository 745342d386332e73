"""Assignments: a visit offered to a shopper (or assessor) at a branch, within a window."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from audit.models.org import Branch
    from audit.models.scorecard import Scorecard
    from audit.models.user import User
    from audit.models.visit import Visit


class AssignmentStatus(enum.StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SUBMITTED = "submitted"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    OVERDUE = "overdue"


#: Assignments a shopper still has to act on.
OPEN_STATUSES = (AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED, AssignmentStatus.OVERDUE)


class Assignment(db.Model):
    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_shopper_status", "shopper_id", "status"),
        Index("ix_assignments_branch_shopper", "branch_id", "shopper_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    shopper_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scenario: Mapped[str] = mapped_column(Text, default="")
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    status: Mapped[AssignmentStatus] = mapped_column(
        str_enum(AssignmentStatus), default=AssignmentStatus.OFFERED
    )
    lockout_overridden: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    #: Offered although the visitor's rating was below the scorecard's ``min_rating``.
    rating_overridden: Mapped[bool] = mapped_column(default=False)
    rating_override_reason: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    scorecard: Mapped[Scorecard] = relationship()
    branch: Mapped[Branch] = relationship()
    shopper: Mapped[User] = relationship(foreign_keys=[shopper_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    visit: Mapped[Visit | None] = relationship(back_populates="assignment")

    def __repr__(self) -> str:
        return f"<Assignment {self.id} {self.status.value}>"
