"""The shopper lockout: a shopper is not sent to a branch they visited, or are due at,
within ``shopper_lockout_days`` (an administrator's setting) either side of a window."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Assignment, AssignmentStatus, Branch, User, Visit, VisitStatus
from audit.settings import get_setting

#: Assignments that do not hold a branch: the shopper never went.
NOT_LOCKING = (AssignmentStatus.CANCELLED, AssignmentStatus.DECLINED)


class LockoutHit(NamedTuple):
    """A branch the shopper was sent to (or is due at) within the lockout period."""

    branch: Branch
    last_date: date

    def until(self, days: int) -> date:
        """The last day a window may start on and still be refused: ``days - 1`` after
        the shopper's visit or assignment (see :func:`lockout_conflicts`)."""
        return self.last_date + timedelta(days=days - 1)


def lockout_conflicts(
    shopper: User, branches: Iterable[Branch], window_start: date, days: int | None = None
) -> list[LockoutHit]:
    """Branches where ``shopper`` has been, or is due, within ``days`` of ``window_start``.

    Counted: the shopper's assignments at the branch (any status but cancelled
    or declined) by their window start, and their visits (any status but draft)
    by their visit date. The period runs both ways, so the order in which a
    manager plans two visits does not matter. ``days`` defaults to the
    ``shopper_lockout_days`` setting; 0 switches the lockout off.
    """
    days = get_setting("shopper_lockout_days") if days is None else days
    by_id = {b.id: b for b in branches}
    if days <= 0 or not by_id:
        return []
    low = window_start - timedelta(days=days - 1)
    high = window_start + timedelta(days=days - 1)
    assigned = db.session.execute(
        select(Assignment.branch_id, func.max(Assignment.window_start))
        .where(
            Assignment.shopper_id == shopper.id,
            Assignment.branch_id.in_(by_id),
            Assignment.status.not_in(NOT_LOCKING),
            Assignment.window_start.between(low, high),
        )
        .group_by(Assignment.branch_id)
    ).all()
    # A visit's day is its branch's (local_day, "YYYY-MM-DD"), as a window's days are.
    visited = db.session.execute(
        select(Visit.branch_id, func.max(Visit.local_day))
        .where(
            Visit.visitor_id == shopper.id,
            Visit.branch_id.in_(by_id),
            Visit.status != VisitStatus.DRAFT,
            Visit.local_day.between(low.isoformat(), high.isoformat()),
        )
        .group_by(Visit.branch_id)
    ).all()
    latest: dict[int, date] = {}
    for branch_id, when in [*assigned, *((b, date.fromisoformat(d)) for b, d in visited)]:
        latest[branch_id] = max(latest.get(branch_id, when), when)
    return [
        LockoutHit(by_id[branch_id], when)
        for branch_id, when in sorted(latest.items(), key=lambda kv: by_id[kv[0]].name)
    ]
