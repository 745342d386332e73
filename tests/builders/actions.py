"""Corrective actions, made through the action service."""

from __future__ import annotations

from datetime import date, datetime

from audit.actions import service
from audit.actions.service import Plan
from audit.extensions import db
from audit.models import (
    Action,
    ActionKind,
    ActionPriority,
    ActionStatus,
    Branch,
    StaffMember,
    User,
    Visit,
    record_event,
)

A = ActionStatus


def make_action(
    branch: Branch,
    title: str,
    status: ActionStatus = A.OPEN,
    *,
    by: User,
    priority: ActionPriority = ActionPriority.MEDIUM,
    owner: User | StaffMember | None = None,
    due_on: date | None = None,
    closed_at: datetime | None = None,
    description: str = "",
    visit: Visit | None = None,
) -> Action:
    """An action at ``branch`` in ``status``, with its events and notifications.

    Open, in progress and done: raised by hand by ``by`` through the service (it starts
    open), then updated by ``by``. Proposed: written as a proposal is (with its
    ``action.proposed`` event); dismissed: such a proposal dismissed through the service.
    The service refuses a due date in the past and closes at the time of the update, so
    a past ``due_on`` and a given ``closed_at`` are set afterwards. ``owner`` is a
    manager or a staff member of the branch.
    """
    today = date.today()
    if status in (A.PROPOSED, A.DISMISSED):
        action = Action(
            branch=branch,
            kind=ActionKind.MANUAL,
            status=A.PROPOSED,
            priority=priority,
            title=title,
            description=description,
            visit=visit,
            owner_user=owner if isinstance(owner, User) else None,
            owner_staff=owner if isinstance(owner, StaffMember) else None,
            due_on=due_on,
        )
        db.session.add(action)
        db.session.flush()
        record_event(by, "action.proposed", action, kind=action.kind.value, branch_id=branch.id)
        if status is A.DISMISSED:
            service.dismiss(action, by, "Not a finding that needs an action.")
    else:
        choice = None
        if owner is not None:
            choice = f"{'u' if isinstance(owner, User) else 's'}:{owner.id}"
        future_due = due_on if due_on is not None and due_on >= today else None
        plan = Plan(title, description, priority, future_due, choice)
        action = service.create_manual(branch, by, plan, visit=visit)
        if status is not A.OPEN:
            update = service.post_update(action, by, status, f"Now {status.value}.")
            if closed_at is not None:
                update.created_at = closed_at
        action.due_on = due_on
    if closed_at is not None:
        action.closed_at = closed_at
    db.session.flush()
    return action
