"""Calibration exercises: a written-out case that shoppers and assessors score like a visit,
with the manager's reference answers, so that their agreement can be measured.

A case is scored against one published scorecard version (immutable, so a case never
changes meaning). Reference answers and raters' answers are stored the way visit answers
are (:class:`audit.models.visit.Answer`): text or a number, or N/A.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from audit.models.scorecard import Scorecard, ScorecardVersion
    from audit.models.user import User


class CaseStatus(enum.StrEnum):
    DRAFT = "draft"  # being written; raters do not see it
    PUBLISHED = "published"  # raters assigned to it score it
    CLOSED = "closed"  # no more answers; results stay readable


class CalibrationCase(db.Model):
    __tablename__ = "calibration_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("scorecard_versions.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    scenario: Mapped[str] = mapped_column(Text, default="")
    transcript: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), default=CaseStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    scorecard: Mapped[Scorecard] = relationship()
    version: Mapped[ScorecardVersion] = relationship()
    created_by: Mapped[User | None] = relationship()
    references: Mapped[list[CalibrationReference]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CalibrationReference.id"
    )
    assignments: Mapped[list[CalibrationAssignment]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CalibrationAssignment.id"
    )
    photos: Mapped[list[CalibrationPhoto]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CalibrationPhoto.id"
    )

    def __repr__(self) -> str:
        return f"<CalibrationCase {self.id} {self.status.value}>"

    def reference(self, key: str) -> CalibrationReference | None:
        return next((r for r in self.references if r.question_key == key), None)


class CalibrationReference(db.Model):
    """The manager's answer to one question of the case, and why it is the right one."""

    __tablename__ = "calibration_references"
    __table_args__ = (UniqueConstraint("case_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("calibration_cases.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(80))
    value_text: Mapped[str | None] = mapped_column(Text)
    value_number: Mapped[float | None]
    is_na: Mapped[bool] = mapped_column(default=False)
    explanation: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[CalibrationCase] = relationship(back_populates="references")


class CalibrationPhoto(db.Model):
    """A photo shown with the case; the file lives in the app's storage like a visit's."""

    __tablename__ = "calibration_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_cases.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(String(255), default="")
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    thumb_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[CalibrationCase] = relationship(back_populates="photos")


class CalibrationAssignment(db.Model):
    """One rater asked to score one case; ``submitted_at`` once they sent their answers."""

    __tablename__ = "calibration_assignments"
    __table_args__ = (UniqueConstraint("case_id", "rater_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("calibration_cases.id", ondelete="CASCADE"))
    #: No cascade: an erased rater's answers stay (under the pseudonym), so a case's
    #: agreement figures do not change when a person is erased (audit.privacy.erasure).
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[CalibrationCase] = relationship(back_populates="assignments")
    rater: Mapped[User] = relationship()
    responses: Mapped[list[CalibrationResponse]] = relationship(
        back_populates="assignment",
        cascade="all, delete-orphan",
        order_by="CalibrationResponse.id",
    )


class CalibrationResponse(db.Model):
    """One rater's answer to one question, stored like a visit's answer."""

    __tablename__ = "calibration_responses"
    __table_args__ = (UniqueConstraint("assignment_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_assignments.id", ondelete="CASCADE")
    )
    question_key: Mapped[str] = mapped_column(String(80))
    value_text: Mapped[str | None] = mapped_column(Text)
    value_number: Mapped[float | None]
    is_na: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")

    assignment: Mapped[CalibrationAssignment] = relationship(back_populates="responses")
