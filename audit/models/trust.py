"""Trust signals stored with visits, and the perceptual hashes that find reused photos."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from audit.models.attachment import Attachment
    from audit.models.visit import Visit


class SignalKind(enum.StrEnum):
    """The eight kinds of signal; the names are an interface (``trust report``)."""

    PHOTO_REUSE = "photo_reuse"
    DUPLICATE_TEXT = "duplicate_text"
    IMPOSSIBLE_TRAVEL = "impossible_travel"
    OUTSIDE_HOURS = "outside_hours"
    TOO_SHORT = "too_short"
    FAR_FROM_BRANCH = "far_from_branch"
    PHOTO_TIME = "photo_time"
    LATE_SUBMISSION = "late_submission"


class SignalLevel(enum.StrEnum):
    """How hard a stored signal asks for a closer look.

    ``warn``: something a reviewer should check (a long delay, a visit far from the
    branch). ``high``: evidence that is hard to explain innocently (the same photo on
    another visit, two visits no one could have driven between).
    """

    WARN = "warn"
    HIGH = "high"


#: Kinds that compare a visit with other visits (computed on the task queue).
CROSS_VISIT_KINDS = (
    SignalKind.PHOTO_REUSE,
    SignalKind.DUPLICATE_TEXT,
    SignalKind.IMPOSSIBLE_TRAVEL,
)


class VisitSignal(db.Model):
    """One reason to look closer at a visit; it never changes the visit's score.

    ``evidence`` holds what the reviewer is shown next to the detail, by id: the other
    visit (``other_visit_id``), the two photos (``attachment_id``,
    ``other_attachment_id``), the two comments' question keys, the distance and times.
    """

    __tablename__ = "visit_signals"
    __table_args__ = (Index("ix_visit_signals_kind_created", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SignalKind] = mapped_column(str_enum(SignalKind, 30))
    level: Mapped[SignalLevel] = mapped_column(str_enum(SignalLevel, 10))
    detail: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    visit: Mapped[Visit] = relationship()

    def __repr__(self) -> str:
        return f"<VisitSignal {self.kind.value} visit={self.visit_id}>"


class PhotoHash(db.Model):
    """A photo attachment's 64-bit perceptual hash, also split into four 16-bit bands.

    Two hashes within Hamming distance 3 agree exactly on at least one of four bands
    (pigeonhole), so the search for a reused photo asks the database for rows sharing a
    band (four indexed equality lookups) and measures the distance only on those.
    """

    __tablename__ = "photo_hashes"

    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True
    )
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    #: The whole hash as 16 hex digits.
    phash: Mapped[str] = mapped_column(String(16))
    band0: Mapped[int] = mapped_column(index=True)
    band1: Mapped[int] = mapped_column(index=True)
    band2: Mapped[int] = mapped_column(index=True)
    band3: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attachment: Mapped[Attachment] = relationship()
