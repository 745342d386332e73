"""Closing the loop on a customer's survey response: the comments a manager shared."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime

if TYPE_CHECKING:
    from audit.models.user import User
    from audit.models.visit import Visit


class SharedSurveyComment(db.Model):
    """A manager chose to show a customer's comment to the staff member the response names.

    Without this row the comment stays with managers: a customer writes for the
    business, and a remark may be unfair or personal. One row per response; deleting
    the row (unsharing) hides it again.
    """

    __tablename__ = "shared_survey_comments"

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True
    )
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    visit: Mapped[Visit] = relationship()
    shared_by: Mapped[User | None] = relationship()
