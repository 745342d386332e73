"""An append-only record of who changed what, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import N_, db
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
#: ``action`` values the services record; :func:`event_words` covers any other. The words
#: are English here (the API's ``words``); pages translate them when they show them (the
#: ``event`` filter of :mod:`audit.templating`).
EVENT_WORDS: dict[str, str] = {
    "visit.started": N_("Visit started"),
    "visit.imported": N_("Imported"),
    "visit.submitted": N_("Submitted"),
    "visit.survey_received": N_("Sent by a customer on the survey page"),
    "visit.resubmitted": N_("Submitted again after corrections"),
    "visit.attachment_added": N_("Photo added"),
    "visit.attachment_deleted": N_("Photo removed"),
    "visit.approved": N_("Approved"),
    "visit.returned": N_("Returned to the shopper"),
    "visit.answer_edited": N_("Answer changed by the reviewer"),
    "visit.answer_amended": N_("Answer changed on appeal"),
    "visit.excluded": N_("Excluded from reporting"),
    "visit.included": N_("Included in reporting again"),
    "visit.published": N_("Published to staff"),
    "visit.rescored": N_("Score recalculated"),
    "assignment.created": N_("Offered"),
    "assignment.lockout_overridden": N_("Lockout overridden"),
    "assignment.rating_overridden": N_("Offered below the minimum rating"),
    "assignment.accepted": N_("Accepted"),
    "assignment.declined": N_("Declined"),
    "assignment.cancelled": N_("Cancelled"),
    "assignment.overdue": N_("Marked overdue"),
    "assignment.submitted": N_("Visit submitted"),
    "assignment.completed": N_("Completed"),
    "action.proposed": N_("Proposed from a visit"),
    "action.created": N_("Created"),
    "action.accepted": N_("Accepted"),
    "action.edited": N_("Edited"),
    "action.updated": N_("Progress updated"),
    "action.dismissed": N_("Dismissed"),
    "action.reminded": N_("Reminder sent"),
    "appeal.raised": N_("Appeal raised"),
    "appeal.withdrawn": N_("Appeal withdrawn"),
    "appeal.upheld": N_("Appeal decided: the answer stands"),
    "appeal.amended": N_("Appeal decided: the answer changed"),
    "user.created": N_("Account created"),
    "user.updated": N_("Account changed"),
    "user.activated": N_("Account reactivated"),
    "user.deactivated": N_("Account deactivated"),
    "user.password_reset": N_("Password reset"),
    "user.signed_in": N_("Signed in"),
    "user.signed_out": N_("Signed out"),
    "user.invited": N_("Invited by e-mail"),
    "user.invitation_resent": N_("Invitation sent again"),
    "user.invitation_revoked": N_("Invitation withdrawn"),
    "user.invitation_accepted": N_("Invitation accepted"),
    "user.password_changed": N_("Password changed"),
    "user.session_ended": N_("One session signed out"),
    "user.signed_out_everywhere": N_("Signed out on every device"),
    "user.language_changed": N_("Interface language changed"),
    "user.two_factor_enabled": N_("Two-factor sign-in turned on"),
    "user.two_factor_disabled": N_("Two-factor sign-in turned off"),
    "user.recovery_codes_regenerated": N_("New recovery codes made"),
    "user.recovery_code_used": N_("Signed in with a recovery code"),
    "user.two_factor_reset": N_("Two-factor sign-in reset by an administrator"),
    "user.reset_requested": N_("Password reset link sent by e-mail"),
    "user.password_reset_done": N_("New password chosen through a reset link"),
    "user.sso_signed_in": N_("Signed in through single sign-on"),
    "user.api_token_created": N_("API token made"),
    "user.api_token_revoked": N_("API token revoked"),
    "user.erased": N_("Personal data erased"),
    "setting.changed": N_("Setting changed"),
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
