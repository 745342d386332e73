"""What every part of the demo's activity shares: its clock, and finding the demo's records."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update

#: How many of each demo login's notifications are left unread (the newest ones).
from audit.extensions import db
from audit.models import (
    AuditEvent,
    Branch,
    Notification,
    Scorecard,
    StaffMember,
)

UNREAD_LEFT = {
    "manager@demo.test": 4,
    "north@demo.test": 4,
    "staff@demo.test": 3,
}
#: Recurring failures are scanned fortnightly, over this many days up to the day before.
RECURRING_DAYS = 14
#: The keys :meth:`DemoActivitySummary.counts` adds to the demo's counts, in order.
ACTIVITY_COUNTS = ("assignments", "actions", "coaching notes", "kudos", "appeals", "notifications")
#: session.info key under which audit.notifications.service queues mails for the commit.
_MAIL_QUEUE = "notifications_to_mail"


class _Clock:
    """Moves what the services just wrote with the wall clock to the story's time."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.events = self._last(AuditEvent.id)
        self.notifications = self._last(Notification.id)

    @staticmethod
    def _last(column: object) -> int:
        db.session.flush()
        return db.session.scalar(select(func.max(column))) or 0  # type: ignore[arg-type]

    def ago(self, days: float = 0, hours: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours)

    def stamp(self, when: datetime) -> datetime:
        """Date the events and notifications written since the last stamp ``when``."""
        when = min(when, self.now)
        db.session.flush()
        # "fetch" finds the rows' objects by key; the default scans the whole identity map.
        options = {"synchronize_session": "fetch"}
        db.session.execute(
            update(AuditEvent).where(AuditEvent.id > self.events).values(at=when),
            execution_options=options,
        )
        db.session.execute(
            update(Notification)
            .where(Notification.id > self.notifications)
            .values(created_at=when),
            execution_options=options,
        )
        self.events = self._last(AuditEvent.id)
        self.notifications = self._last(Notification.id)
        return when


def _demo_now(today: date | None) -> datetime:
    """The same "now" as :func:`audit.demo.visits.generate_visits` uses."""
    if today is None:
        return datetime.now(UTC)
    return datetime.combine(today, time(8), tzinfo=UTC)


# --------------------------------------------------------------------------- helpers


def _branch(code: str) -> Branch:
    return db.session.scalars(select(Branch).where(Branch.code == code)).one()


def _card(slug: str) -> Scorecard:
    return db.session.scalars(select(Scorecard).where(Scorecard.slug == slug)).one()


def _staff(branch: Branch, job_title: str) -> StaffMember:
    return next(m for m in sorted(branch.staff, key=lambda m: m.id) if m.job_title == job_title)


def _between(start: datetime, end: datetime, share: float) -> datetime:
    return start + (end - start) * share
