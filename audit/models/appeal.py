"""Appeals against one answer of a published visit."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from audit.models.user import User
    from audit.models.visit import Visit


class AppealStatus(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the answer stands as scored
    AMENDED = "amended"  # the answer was changed and the visit re-scored
    WITHDRAWN = "withdrawn"


class Appeal(db.Model):
    """A dispute of one answer, raised by the branch's manager or the staff member concerned."""

    __tablename__ = "appeals"
    __table_args__ = (Index("ix_appeals_visit_question", "visit_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(80))
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    #: What the appellant says the answer should have been (free text, optional).
    requested_value: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[AppealStatus] = mapped_column(
        str_enum(AppealStatus), default=AppealStatus.OPEN, index=True
    )
    evidence_name: Mapped[str | None] = mapped_column(String(100))
    evidence_thumb_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    answer_change_id: Mapped[int | None] = mapped_column(
        ForeignKey("answer_changes.id", ondelete="SET NULL")
    )

    visit: Mapped[Visit] = relationship()
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
