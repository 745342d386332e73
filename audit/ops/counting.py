"""Count submitted visits from the audit trail, once their transaction commits.

The shop's service records ``visit.submitted`` (or ``visit.resubmitted``) in the same
transaction that submits the visit; counting those events when the transaction commits
counts exactly the submissions that happened, whichever request made them (the phone's
JSON or the plain form), and none that were refused or rolled back. Imported visits
are not submissions and are not counted. The app factory
registers the hooks; registering them twice changes nothing.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from audit.metrics import VISITS_SUBMITTED
from audit.models import AuditEvent

#: Event name -> the ``submission`` label it counts under.
SUBMISSIONS = {"visit.submitted": "first", "visit.resubmitted": "again"}
_PENDING = "audit.ops.submissions"


def _note(session: Session, flush_context: object) -> None:
    for item in session.new:  # still the flushed objects inside after_flush
        if isinstance(item, AuditEvent) and item.action in SUBMISSIONS:
            session.info.setdefault(_PENDING, []).append(SUBMISSIONS[item.action])


def _count(session: Session) -> None:
    for label in session.info.pop(_PENDING, ()):
        VISITS_SUBMITTED.labels(submission=label).inc()


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def register_counting_hooks() -> None:
    for name, listener in (
        ("after_flush", _note),
        ("after_commit", _count),
        ("after_rollback", _forget),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
