"""Coaching notes, written through the coaching service."""

from __future__ import annotations

from datetime import date, datetime

from audit.coaching import service
from audit.extensions import db
from audit.models import CoachingNote, StaffMember, User, Visit


def make_note(
    member: StaffMember,
    author: User,
    body: str,
    *,
    goal: str = "",
    visit: Visit | None = None,
    follow_up_on: date | None = None,
    acknowledged_at: datetime | None = None,
    closed_at: datetime | None = None,
) -> CoachingNote:
    """A note by ``author`` to ``member`` (about ``visit``, which must name them), created
    through the service; the follow-up date (the service refuses a past one) and the
    times it was acknowledged and closed are set afterwards, as they stood."""
    note = service.create_note(author, member, body, goal=goal, visit=visit)
    note.follow_up_on = follow_up_on
    note.acknowledged_at = acknowledged_at
    note.closed_at = closed_at
    db.session.flush()
    return note
