"""The audit trail: reading what happened to a record, and back-dated events for history.

The readers take a record (``visit``), or a table name and an id (``"visits", 7``).
Given ``app=``, they open an application context of their own, for tests that drive
the test client and hold ids rather than records.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from flask import Flask
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import AuditEvent, User

P = ParamSpec("P")
T = TypeVar("T")


def _in_app(read: Callable[P, T]) -> Callable[..., T]:
    @functools.wraps(read)
    def reader(*args: Any, app: Flask | None = None, **kwargs: Any) -> T:
        if app is None:
            return read(*args, **kwargs)
        with app.app_context():
            return read(*args, **kwargs)

    return reader


def _subject(subject: object, subject_id: int | None) -> tuple[str, int]:
    if subject_id is not None:
        return str(subject), subject_id
    return subject.__tablename__, subject.id  # type: ignore[attr-defined]


@_in_app
def audit_events(subject: object, subject_id: int | None = None) -> list[AuditEvent]:
    """The audit events about one record, oldest first."""
    subject_type, subject_id = _subject(subject, subject_id)
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


@_in_app
def event_actions(subject: object, subject_id: int | None = None) -> list[str]:
    """What was done to a record (``visit.approved``, ...), oldest first."""
    return [event.action for event in audit_events(subject, subject_id)]


@_in_app
def event_log(subject: object, subject_id: int | None = None) -> list[tuple[str, int | None]]:
    """What was done to a record and by whom: (action, actor id) pairs, oldest first."""
    return [(event.action, event.actor_id) for event in audit_events(subject, subject_id)]


@_in_app
def count_events(action: str, subject_id: int | None = None) -> int:
    """How many ``action`` events there are (about the record with ``subject_id``)."""
    query = select(func.count(AuditEvent.id)).where(AuditEvent.action == action)
    if subject_id is not None:
        query = query.where(AuditEvent.subject_id == subject_id)
    return db.session.scalar(query)


def make_event(
    actor: User | None, action: str, subject: object, at: datetime, **details
) -> AuditEvent:
    """An event in a record's history as it happened at ``at`` (the services stamp now)."""
    event = AuditEvent(
        actor=actor,
        action=action,
        subject_type=subject.__tablename__,  # type: ignore[attr-defined]
        subject_id=subject.id,  # type: ignore[attr-defined]
        at=at,
        details=details,
    )
    db.session.add(event)
    return event
