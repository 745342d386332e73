"""Scorecards and their versions.

A version's definition is stored whole (the same plain data a YAML file
holds) and is the source of truth; sections and questions are also written
as rows so that reports can join answers to titles and targets in SQL. A
published version is immutable: editing a published scorecard means a new
draft version.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from audit.models.user import User


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class Scorecard(db.Model):
    __tablename__ = "scorecards"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    #: The shopper rating (0-100, audit.trust.rating) a visitor needs before being
    #: offered this programme's visits; None: anyone may be offered them.
    min_rating: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[ScorecardVersion]] = relationship(
        back_populates="scorecard", order_by="ScorecardVersion.number"
    )

    def __repr__(self) -> str:
        return f"<Scorecard {self.slug}>"

    @property
    def latest_published(self) -> ScorecardVersion | None:
        published = [v for v in self.versions if v.status is VersionStatus.PUBLISHED]
        return published[-1] if published else None

    @property
    def draft(self) -> ScorecardVersion | None:
        return next((v for v in self.versions if v.status is VersionStatus.DRAFT), None)


class ScorecardVersion(db.Model):
    __tablename__ = "scorecard_versions"
    __table_args__ = (UniqueConstraint("scorecard_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(
        str_enum(VersionStatus), default=VersionStatus.DRAFT
    )
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    target: Mapped[float]
    excellence: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    scorecard: Mapped[Scorecard] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship()
    sections: Mapped[list[ScorecardSection]] = relationship(
        back_populates="version", order_by="ScorecardSection.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[ScorecardQuestion]] = relationship(
        back_populates="version",
        order_by="ScorecardQuestion.position",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<ScorecardVersion {self.scorecard_id} v{self.number} {self.status.value}>"

    @property
    def label(self) -> str:
        return f"{self.scorecard.title} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status is VersionStatus.DRAFT


class ScorecardSection(db.Model):
    __tablename__ = "scorecard_sections"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("scorecard_versions.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    weight: Mapped[float | None]
    target: Mapped[float | None]

    version: Mapped[ScorecardVersion] = relationship(back_populates="sections")
    questions: Mapped[list[ScorecardQuestion]] = relationship(
        back_populates="section", order_by="ScorecardQuestion.position"
    )


class ScorecardQuestion(db.Model):
    __tablename__ = "scorecard_questions"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("scorecard_versions.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[int] = mapped_column(
        ForeignKey("scorecard_sections.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(20))
    position: Mapped[int]
    possible: Mapped[float]
    critical: Mapped[bool] = mapped_column(default=False)

    version: Mapped[ScorecardVersion] = relationship(back_populates="questions")
    section: Mapped[ScorecardSection] = relationship(back_populates="questions")


class ImmutableVersionError(RuntimeError):
    """Raised when code tries to change the content of a published or retired version."""


@event.listens_for(ScorecardVersion, "before_update")
def _published_versions_are_immutable(mapper, connection, target: ScorecardVersion) -> None:  # noqa: ANN001
    state = inspect(target)
    if not state.attrs.definition.history.has_changes():
        return
    previous = state.attrs.status.history.deleted
    status_before = previous[0] if previous else target.status
    if status_before is not VersionStatus.DRAFT:
        raise ImmutableVersionError(
            f"{target.scorecard.slug} v{target.number} is {status_before.value}; "
            "its definition cannot change (edit it into a new version instead)"
        )
