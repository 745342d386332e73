"""Corrective actions for a branch, proposed from visits or raised by hand, and their updates."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from audit.models.org import Branch, StaffMember
    from audit.models.scorecard import Scorecard
    from audit.models.user import User
    from audit.models.visit import Visit


class ActionKind(enum.StrEnum):
    CRITICAL = "critical"  # a critical item failed on an approved visit
    RECURRING = "recurring"  # a question failed on N visits of the branch in a period
    MANUAL = "manual"  # raised by a manager
    CUSTOMER_FOLLOW_UP = "customer_follow_up"  # a detractor left an e-mail (audit.surveys)

    @property
    def label(self) -> str:
        """Where the action came from, as the lists say it (in the reader's language)."""
        return {
            ActionKind.CRITICAL: _l("Critical item failed"),
            ActionKind.RECURRING: _l("Failed on several visits"),
            ActionKind.MANUAL: _l("Raised by hand"),
            ActionKind.CUSTOMER_FOLLOW_UP: _l("Customer to contact"),
        }[self]


class ActionStatus(enum.StrEnum):
    PROPOSED = "proposed"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DISMISSED = "dismissed"


class ActionPriority(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        """ "High priority": the lists' word for it (in the reader's language)."""
        return {
            ActionPriority.LOW: _l("Low priority"),
            ActionPriority.MEDIUM: _l("Medium priority"),
            ActionPriority.HIGH: _l("High priority"),
        }[self]


#: Actions someone still has to work on.
ACTIVE_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class Action(db.Model):
    """A corrective action at a branch.

    ``source_key`` identifies what proposed it (``critical:<visit>:<question>``,
    ``recurring:<branch>:<scorecard>:<question>:<period>``) so the same finding
    never proposes two actions.
    """

    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_branch_status", "branch_id", "status"),
        Index("ix_actions_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    kind: Mapped[ActionKind] = mapped_column(str_enum(ActionKind))
    status: Mapped[ActionStatus] = mapped_column(
        str_enum(ActionStatus), default=ActionStatus.PROPOSED
    )
    priority: Mapped[ActionPriority] = mapped_column(
        str_enum(ActionPriority), default=ActionPriority.MEDIUM
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("visits.id", ondelete="SET NULL"), index=True
    )
    scorecard_id: Mapped[int | None] = mapped_column(ForeignKey("scorecards.id"))
    question_key: Mapped[str | None] = mapped_column(String(80))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    owner_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    due_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismiss_reason: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Branch] = relationship()
    visit: Mapped[Visit | None] = relationship()
    scorecard: Mapped[Scorecard | None] = relationship()
    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])
    owner_staff: Mapped[StaffMember | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    updates: Mapped[list[ActionUpdate]] = relationship(
        back_populates="action", order_by="ActionUpdate.created_at", cascade="all, delete-orphan"
    )


class ActionUpdate(db.Model):
    """A status change or progress note on an action, optionally with a photo."""

    __tablename__ = "action_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status_from: Mapped[ActionStatus | None] = mapped_column(str_enum(ActionStatus))
    status_to: Mapped[ActionStatus | None] = mapped_column(str_enum(ActionStatus))
    note: Mapped[str] = mapped_column(Text, default="")
    photo_name: Mapped[str | None] = mapped_column(String(100))
    thumb_name: Mapped[str | None] = mapped_column(String(100))
    photo_captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    action: Mapped[Action] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()
