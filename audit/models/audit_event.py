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


#: How each event reads wherever a history is shown (pages and PDFs): one set of words,
#: so a visit's page, its assignment and its PDF tell the same story. The names are the
#: ``action`` values the services record; :func:`event_words` covers any other.
EVENT_WORDS: dict[str, str] = {
    "visit.started": "Visit started",
    "visit.imported": "Imported",
    "visit.submitted": "Submitted",
    "visit.survey_received": "Sent by a customer on the survey page",
    "visit.resubmitted": "Submitted again after corrections",
    "visit.attachment_added": "Photo added",
    "visit.attachment_deleted": "Photo removed",
    "visit.approved": "Approved",
    "visit.returned": "Returned to the shopper",
    "visit.answer_edited": "Answer changed by the reviewer",
    "visit.answer_amended": "Answer changed on appeal",
    "visit.excluded": "Excluded from reporting",
    "visit.included": "Included in reporting again",
    "visit.published": "Published to staff",
    "visit.rescored": "Score recalculated",
    "assignment.created": "Offered",
    "assignment.lockout_overridden": "Lockout overridden",
    "assignment.rating_overridden": "Offered below the minimum rating",
    "assignment.accepted": "Accepted",
    "assignment.declined": "Declined",
    "assignment.cancelled": "Cancelled",
    "assignment.overdue": "Marked overdue",
    "assignment.submitted": "Visit submitted",
    "assignment.completed": "Completed",
    "action.proposed": "Proposed from a visit",
    "action.created": "Created",
    "action.accepted": "Accepted",
    "action.edited": "Edited",
    "action.updated": "Progress updated",
    "action.dismissed": "Dismissed",
    "action.reminded": "Reminder sent",
    "appeal.raised": "Appeal raised",
    "appeal.withdrawn": "Appeal withdrawn",
    "appeal.upheld": "Appeal decided: the answer stands",
    "appeal.amended": "Appeal decided: the answer changed",
    "user.created": "Account created",
    "user.updated": "Account changed",
    "user.activated": "Account reactivated",
    "user.deactivated": "Account deactivated",
    "user.password_reset": "Password reset",
    "user.signed_in": "Signed in",
    "user.signed_out": "Signed out",
    "user.invited": "Invited by e-mail",
    "user.invitation_resent": "Invitation sent again",
    "user.invitation_revoked": "Invitation withdrawn",
    "user.invitation_accepted": "Invitation accepted",
    "user.password_changed": "Password changed",
    "user.session_ended": "One session signed out",
    "user.signed_out_everywhere": "Signed out on every device",
    "user.language_changed": "Interface language changed",
    "user.two_factor_enabled": "Two-factor sign-in turned on",
    "user.two_factor_disabled": "Two-factor sign-in turned off",
    "user.recovery_codes_regenerated": "New recovery codes made",
    "user.recovery_code_used": "Signed in with a recovery code",
    "user.two_factor_reset": "Two-factor sign-in reset by an administrator",
    "user.reset_requested": "Password reset link sent by e-mail",
    "user.password_reset_done": "New password chosen through a reset link",
    "user.sso_signed_in": "Signed in through single sign-on",
    "user.api_token_created": "API token made",
    "user.api_token_revoked": "API token revoked",
    "user.erased": "Personal data erased",
    "setting.changed": "Setting changed",
}


def event_words(action: str) -> str:
    """``action`` as a person reads it: "visit.attachment_added" → "Photo added".

    A name not in :data:`EVENT_WORDS` still reads as words ("kudos.sent" → "Kudos sent"),
    never as the dotted name.
    """
    if action in EVENT_WORDS:
        return EVENT_WORDS[action]
    noun, _, verb = action.partition(".")
    words = f"{noun} {verb}" if verb else noun
    return words.replace("_", " ").strip().capitalize()
