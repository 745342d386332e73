"""Assignments: a shopper sent to a branch with a scorecard for a window of days."""

from __future__ import annotations

from datetime import timedelta

from audit.assignments.service import today
from audit.extensions import db
from audit.models import Assignment, AssignmentStatus, Branch, Scorecard, User

S = AssignmentStatus
TODAY = today()


def make_assignment(
    card: Scorecard,
    branch: Branch,
    shopper: User,
    *,
    start=None,
    end=None,
    status=S.OFFERED,
    **kw,
) -> Assignment:
    """An assignment as it stands (any status); the window is a week from ``start``."""
    start = start or TODAY
    assignment = Assignment(
        scorecard=card,
        branch=branch,
        shopper=shopper,
        window_start=start,
        window_end=end or start + timedelta(days=7),
        status=status,
        **kw,
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment
