"""The demo's day-to-day activity on top of its visits, so no page greets a new user empty.

Assignments, corrective actions, coaching notes, kudos, appeals and the
notifications they send are all made by the real service functions
(assignments, actions, coaching, recognition, appeals, review), so the
AuditEvents, notifications, statuses and scores are exactly what the product
would have written. The services stamp what they write with the wall clock;
the demo plays the story out over the last weeks before ``today``, so after
each step :class:`_Clock` moves what that step wrote (events, notifications
and the step's own timestamps) to the moment it "happened".

The story, for the demo logins:

* shopper@demo.test: an offered batch, an accepted assignment due soon, an
  overdue one (besides the returned visit(s) from :mod:`audit.demo.visits`);
* manager@demo.test and north@demo.test: proposals from critical fails and
  recurring failures, some accepted with owners, due dates and priorities,
  one with a progress note, one overdue, one done, one dismissed with a reason;
  North's actions are North's;
* staff@demo.test (Amira Hassan at Leeds Briggate): published visits, two
  coaching notes (one acknowledged with a reply, one waiting), kudos, appeals
  (one amended by a manager other than the one who published the visit);
* a few unread notifications each; older ones are read.

Deterministic for a given seed, ``today`` and demo visits.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from audit.assignments import service as assignments
from audit.demo.activity_actions import _actions
from audit.demo.activity_feedback import _appeals, _coaching
from audit.demo.customer_voice import customer_voice_activity

#: How many of each demo login's notifications are left unread (the newest ones).
from audit.demo.story import (
    _MAIL_QUEUE,
    ACTIVITY_COUNTS,
    UNREAD_LEFT,
    _branch,
    _card,
    _Clock,
    _demo_now,
)
from audit.demo.words import SCENARIOS
from audit.extensions import db
from audit.models import (
    Assignment,
    Notification,
    Scorecard,
    User,
)
from audit.notifications.service import mark_read, notifications_query


@dataclass(frozen=True)
class DemoActivitySummary:
    assignments: int
    actions: int
    coaching_notes: int
    kudos: int
    appeals: int
    notifications: int

    def counts(self) -> dict[str, int]:
        values = (
            self.assignments,
            self.actions,
            self.coaching_notes,
            self.kudos,
            self.appeals,
            self.notifications,
        )
        return dict(zip(ACTIVITY_COUNTS, values, strict=True))


def generate_activity(
    *, seed: int, users: Mapping[str, User], today: date | None = None
) -> DemoActivitySummary:
    """Play the demo's recent activity through the services (see the module docstring).

    ``users`` are the demo logins by e-mail; the visits must already be in the session.
    """
    rng = random.Random(seed * 31 + 5)
    clock = _Clock(_demo_now(today))
    notifications_before = clock.notifications
    made_assignments = _assignments(rng, clock, users)
    made_actions = _actions(clock, users)
    notes, kudos = _coaching(clock, users)
    made_appeals = _appeals(clock, users)
    made_actions += customer_voice_activity(random.Random(seed * 31 + 11), clock, users)
    _read_older_notifications(clock, users)
    db.session.info.pop(_MAIL_QUEUE, None)  # demo logins have no real mailboxes
    db.session.flush()
    notifications = db.session.scalar(
        select(func.count()).where(Notification.id > notifications_before)
    )
    return DemoActivitySummary(
        assignments=made_assignments,
        actions=made_actions,
        coaching_notes=notes,
        kudos=kudos,
        appeals=made_appeals,
        notifications=notifications or 0,
    )


# --------------------------------------------------------------------------- assignments


def _assignments(rng: random.Random, clock: _Clock, users: Mapping[str, User]) -> int:
    manager, north = users["manager@demo.test"], users["north@demo.test"]
    shopper = users["shopper@demo.test"]
    today = clock.now.date()
    phone, visit = _card("phone-enquiry"), _card("branch-visit")
    phone_reason = "Phone enquiry: branch staff never see the caller, so a repeat is safe."

    def offer(
        card: Scorecard,
        codes: Sequence[str],
        start: int,
        end: int,
        actor: User,
        created: datetime,
        reason: str = phone_reason,
    ) -> list[Assignment]:
        made = assignments.create_assignments(
            card,
            [_branch(code) for code in codes],
            shopper,
            today + timedelta(days=start),
            today + timedelta(days=end),
            rng.choice(SCENARIOS[card.slug]),
            actor,
            override_lockout=True,
            override_reason=reason,
            now=created.date(),
        )
        for assignment in made:
            assignment.created_at = created
        clock.stamp(created)
        return made

    def accept(assignment: Assignment, when: datetime) -> None:
        assignments.accept(assignment, shopper, now=when.date())
        assignment.responded_at = clock.stamp(when)

    # Offered three weeks ago, accepted, and never done: overdue since the window closed.
    (late,) = offer(phone, ["SHF01"], -14, -3, north, clock.ago(20, 5))
    accept(late, clock.ago(19, 2))
    assignments.mark_overdue(today)
    clock.stamp(clock.ago(0, 7))
    # Coventry is on an action plan: a re-visit, accepted, due in a few days.
    (soon,) = offer(
        visit,
        ["COV01"],
        -2,
        3,
        manager,
        clock.ago(5, 3),
        "Re-visit agreed with the area manager to check the corrective action plan.",
    )
    accept(soon, clock.ago(4, 20))
    # A fresh batch of phone enquiries, waiting for the shopper's answer.
    fresh = offer(phone, ["NCL01", "BRS01"], 2, 16, manager, clock.ago(1, 4))
    return 2 + len(fresh)


# --------------------------------------------------------------------------- notifications


def _read_older_notifications(clock: _Clock, users: Mapping[str, User]) -> None:
    """Everyone has read what came before the last few; the newest stay unread."""
    for email, keep in UNREAD_LEFT.items():
        user = users[email]
        unread = db.session.scalars(notifications_query(user, unread_only=True)).all()
        for notification in unread[keep:]:
            mark_read(notification)
            notification.read_at = min(notification.created_at + timedelta(hours=3), clock.now)
