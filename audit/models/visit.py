"""Visits: a filled-in scorecard version, its answers and its stored score."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.text_fingerprint import FINGERPRINT_OF, FINGERPRINT_SIZE, fingerprint_of
from audit.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from audit.models.assignment import Assignment
    from audit.models.attachment import Attachment
    from audit.models.org import Branch, StaffMember
    from audit.models.review import AnswerChange
    from audit.models.scorecard import (
        Scorecard,
        ScorecardQuestion,
        ScorecardSection,
        ScorecardVersion,
    )
    from audit.models.user import User


class VisitStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"


#: Visits whose scores count in reports (unless excluded).
REPORTABLE_STATUSES = (VisitStatus.APPROVED, VisitStatus.PUBLISHED)

visit_staff = Table(
    "visit_staff",
    db.metadata,
    Column("visit_id", ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_member_id", ForeignKey("staff_members.id"), primary_key=True, index=True),
)


class Visit(db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_scorecard_status_visited", "scorecard_id", "status", "visited_at"),
        Index("ix_visits_branch_visited", "branch_id", "visited_at"),
        Index("ix_visits_branch_local_day", "branch_id", "local_day"),
        Index("ix_visits_status_visited", "status", "visited_at"),
        Index("ix_visits_updated_at", "updated_at"),  # the report cache's data stamp
        # The latest critical fails (audit.reporting.critical): newest first, a few rows read.
        Index(
            "ix_visits_critical_visited",
            "visited_at",
            "id",
            postgresql_where=text("critical_failed IS true"),
            sqlite_where=text("critical_failed IS 1"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("scorecard_versions.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[VisitStatus] = mapped_column(str_enum(VisitStatus), default=VisitStatus.DRAFT)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: ``visited_at``'s date in the branch's zone, "YYYY-MM-DD" (audit.org.timezones):
    #: the day and month the visit counts in. Kept whenever either changes.
    local_day: Mapped[str | None] = mapped_column(String(10))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    staff_description: Mapped[str] = mapped_column(Text, default="")
    # The score as computed when the visit was submitted (or rescored on purpose).
    earned: Mapped[float | None]
    possible: Mapped[float | None]
    percent: Mapped[float | None]
    band: Mapped[str | None] = mapped_column(String(10))
    critical_failed: Mapped[bool] = mapped_column(default=False)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    excluded: Mapped[bool] = mapped_column(default=False)
    exclusion_reason: Mapped[str] = mapped_column(Text, default="")
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), unique=True)
    #: Sent by the phone with the submission, so a retried submit makes one visit, not two.
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Where the phone was when the visit started, if the shopper allowed it.
    start_lat: Mapped[float | None]
    start_lng: Mapped[float | None]
    start_accuracy_m: Mapped[float | None]
    distance_m: Mapped[float | None]
    draft_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    scorecard: Mapped[Scorecard] = relationship()
    version: Mapped[ScorecardVersion] = relationship()
    branch: Mapped[Branch] = relationship()
    visitor: Mapped[User | None] = relationship()
    staff: Mapped[list[StaffMember]] = relationship(
        secondary=visit_staff, order_by="StaffMember.name"
    )
    answers: Mapped[list[Answer]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="Answer.position"
    )
    assignment: Mapped[Assignment | None] = relationship(back_populates="visit")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="Attachment.id"
    )
    answer_changes: Mapped[list[AnswerChange]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="AnswerChange.changed_at"
    )
    section_scores: Mapped[list[VisitSectionScore]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitSectionScore.position"
    )

    def __repr__(self) -> str:
        return f"<Visit {self.id} {self.status.value}>"

    def answer(self, key: str) -> Answer | None:
        return next((a for a in self.answers if a.question_key == key), None)


class Answer(db.Model):
    """One answer: its value as given and the points it earned when scored.

    A value is kept as text (yes/no, option label, free text) or as a number
    (scale, number, nps); ``is_na`` marks not applicable.

    ``comment_fingerprint`` and ``value_text_fingerprint`` follow the comment and the
    text value as they are set (:mod:`audit.models.text_fingerprint`), so the duplicate
    check finds an identical text on any visit by an index lookup.
    """

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("visit_id", "question_key"),
        # Only the texts long enough to compare have one: the index holds those alone.
        *(
            Index(
                f"ix_answers_{name}",
                name,
                postgresql_where=text(f"{name} IS NOT NULL"),
                sqlite_where=text(f"{name} IS NOT NULL"),
            )
            for name in ("comment_fingerprint", "value_text_fingerprint")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("scorecard_questions.id"), index=True)
    question_key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    value_text: Mapped[str | None] = mapped_column(Text)
    value_number: Mapped[float | None]
    is_na: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    earned: Mapped[float | None]
    possible: Mapped[float | None]
    hidden: Mapped[bool] = mapped_column(default=False)
    critical_failed: Mapped[bool] = mapped_column(default=False)
    comment_fingerprint: Mapped[str | None] = mapped_column(
        String(FINGERPRINT_SIZE), info={FINGERPRINT_OF: "comment"}
    )
    value_text_fingerprint: Mapped[str | None] = mapped_column(
        String(FINGERPRINT_SIZE), info={FINGERPRINT_OF: "value_text"}
    )

    visit: Mapped[Visit] = relationship(back_populates="answers")
    question: Mapped[ScorecardQuestion] = relationship()

    @validates("comment", "value_text")
    def _fingerprint(self, key: str, value: str | None) -> str | None:
        setattr(self, f"{key}_fingerprint", fingerprint_of(value))
        return value


class VisitSectionScore(db.Model):
    __tablename__ = "visit_section_scores"
    __table_args__ = (UniqueConstraint("visit_id", "section_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(ForeignKey("scorecard_sections.id"), index=True)
    section_key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    earned: Mapped[float]
    possible: Mapped[float]
    percent: Mapped[float | None]
    critical_failed: Mapped[bool] = mapped_column(default=False)

    visit: Mapped[Visit] = relationship(back_populates="section_scores")
    section: Mapped[ScorecardSection] = relationship()
