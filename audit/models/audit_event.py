"""An append-only record of who changed what, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime
from audit.models.user import User


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


def record_event(actor: User | None, action: str, subject: db.Model, **details: Any) -> AuditEvent:
    """Add an event for ``subject`` to the session; the caller commits."""
    event = AuditEvent(
        actor=actor,
        action=action,
        subject_type=subject.__tablename__,
        subject_id=subject.id,
        details=details,
    )
    db.session.add(event)
    return event


def record_new(actor: User | None, action: str, subject: db.Model, **details: Any) -> AuditEvent:
    """Add a new ``subject`` and the event of its making (flushed first, for its id)."""
    db.session.add(subject)
    db.session.flush()
    return record_event(actor, action, subject, **details)
