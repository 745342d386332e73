"""Demo corrective actions in every state, proposed and decided through the services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from audit.actions import proposals
from audit.actions import service as actions

#: How many of each demo login's notifications are left unread (the newest ones).
from audit.demo.story import RECURRING_DAYS, _between, _Clock, _staff
from audit.extensions import db
from audit.models import (
    Action,
    ActionPriority,
    ActionStatus,
    AuditEvent,
    User,
    Visit,
)

# --------------------------------------------------------------------------- actions


def _accept_action(
    clock: _Clock, action: Action, actor: User, plan: actions.Plan, when: datetime
) -> None:
    """Accept as of ``when``: a due date already past by now is set as it was then.

    :func:`audit.actions.service.accept` refuses a due date before the wall clock's
    today; a plan made weeks ago in the story may have one, so the date is set after.
    """
    wall_today = datetime.now(UTC).date()
    due = plan.due_on
    past = due is not None and due < wall_today
    actions.accept(action, actor, replace(plan, due_on=None) if past else plan)
    if past:
        action.due_on = due
        event = db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.subject_type == Action.__tablename__,
                AuditEvent.subject_id == action.id,
                AuditEvent.action == "action.accepted",
            )
            .order_by(AuditEvent.id.desc())
        ).first()
        if event is not None:
            changes = dict(event.details.get("changes", {}))
            changes["due_on"] = [None, due.isoformat()]  # type: ignore[union-attr]
            event.details = {**event.details, "changes": changes}
    action.decided_at = clock.stamp(when)


def _update(
    clock: _Clock, action: Action, actor: User, status: ActionStatus, note: str, when: datetime
) -> None:
    update_row = actions.post_update(action, actor, status, note)
    update_row.created_at = clock.stamp(when)
    if action.closed_at is not None:
        action.closed_at = update_row.created_at


def _scan(clock: _Clock, when: datetime, days: int = RECURRING_DAYS) -> list[Action]:
    """The recurring-failure scan as run at ``when``, over the ``days`` before that day."""
    day = when.date()
    made = proposals.propose_recurring(day - timedelta(days=days), day - timedelta(days=1))
    for action in made:
        action.created_at = when
    clock.stamp(when)
    return made


def _actions(clock: _Clock, users: Mapping[str, User]) -> int:
    manager, north = users["manager@demo.test"], users["north@demo.test"]
    today = clock.now.date()
    # Critical items failed on reviewed visits: proposed when each visit was approved.
    critical_visits = db.session.scalars(
        proposals.critical_failures(clock.ago(90)).order_by(Visit.visited_at, Visit.id)
    ).all()
    critical: list[Action] = []
    for visit in critical_visits:
        made = proposals.propose_for_visit(visit)
        when = visit.approved_at or clock.now
        for action in made:
            action.created_at = when
        critical += made
        clock.stamp(when)
    # The recurring-failure scans: five weeks ago over the four weeks before it (a fortnight
    # can hold too few visits per branch for a failure to recur), all of it triaged the next
    # day; and this morning over the last month.
    earlier = _scan(clock, clock.ago(35, 1), 28)
    latest = _scan(clock, clock.ago(0, 1.5), 30)

    def region(action: Action) -> str:
        return action.branch.region.name

    member = users["staff@demo.test"].staff_member
    leeds = [a for a in latest if member is not None and a.branch_id == member.branch_id]
    latest_north = [a for a in latest if region(a) == "North" and a not in leeds]
    latest_other = [a for a in latest if region(a) != "North"]

    def decider(action: Action) -> User:
        return north if region(action) == "North" else manager

    def plan_for(action: Action, priority: ActionPriority, due: date, owner: str) -> actions.Plan:
        return actions.Plan(action.title, action.description, priority, due, owner)

    # The latest critical fail: accepted the next day, the branch manager on it.
    if critical:
        action = critical[-1]
        head = _staff(action.branch, "Branch Manager")
        decided = min(action.created_at + timedelta(days=1), clock.ago(1))
        plan = plan_for(action, ActionPriority.HIGH, decided.date() + timedelta(days=14), "")
        plan = replace(
            plan,
            description=action.description + "\nBrief the team; check the posters every morning.",
            owner=f"s:{head.id}",
        )
        _accept_action(clock, action, manager, plan, decided)
        _update(
            clock,
            action,
            manager,
            ActionStatus.IN_PROGRESS,
            f"Called {head.name}: posters for ended offers taken down; team briefing booked.",
            _between(decided, clock.now, 0.3),
        )
    # An older critical fail, covered by the same plan: dismissed with a reason.
    if len(critical) >= 2:
        action = critical[0]
        actions.dismiss(
            action,
            manager,
            "Covered by the branch's corrective action plan agreed with the area manager; "
            "no separate action needed.",
        )
        action.decided_at = action.closed_at = clock.stamp(action.created_at + timedelta(days=1))
    # The earlier scan: one the manager took on, worked on but now overdue; one done; one
    # dismissed; the rest given to the branch managers with six weeks.
    for n, action in enumerate(earlier):
        head = _staff(action.branch, "Branch Manager")
        decided = action.created_at + timedelta(hours=20 + n)
        who = decider(action)
        if n == 2:
            actions.dismiss(
                action,
                who,
                "Two of the failures were on visits during the system outage; "
                "not a pattern of service.",
            )
            action.decided_at = action.closed_at = clock.stamp(decided)
            continue
        weeks = {0: 4, 1: 3}.get(n, 6)
        priority = ActionPriority.MEDIUM if n < 2 else ActionPriority.LOW
        due = decided.date() + timedelta(weeks=weeks)
        owner = f"u:{who.id}" if n == 0 else f"s:{head.id}"  # the manager sees to the rota
        _accept_action(clock, action, who, plan_for(action, priority, due, owner), decided)
        if n == 0:
            _update(
                clock,
                action,
                who,
                ActionStatus.IN_PROGRESS,
                f"Discussed with {head.name}: the lunch rota is being changed so two people "
                "are always on the counter.",
                decided + timedelta(days=9),
            )
        elif n == 1:
            _update(
                clock,
                action,
                who,
                ActionStatus.DONE,
                f"{head.name} ran a ten-minute huddle on it with the whole team; "
                "fine on the next two visits.",
                decided + timedelta(days=16),
            )
    # This morning: Leeds's finding given to the staff member named most often, another
    # North one taken by the regional manager, one more accepted with a low priority; the
    # rest wait in the managers' lists.
    if leeds and member is not None:
        action = leeds[0]
        plan = plan_for(action, ActionPriority.MEDIUM, today + timedelta(days=14), f"s:{member.id}")
        _accept_action(clock, action, north, plan, clock.ago(0, 0.75))
    if latest_north:
        action = latest_north[0]
        plan = plan_for(action, ActionPriority.MEDIUM, today + timedelta(days=10), f"u:{north.id}")
        _accept_action(clock, action, north, plan, clock.ago(0, 0.7))
    elif not leeds and member is not None:  # nothing recurring in the North this month
        due: date | None = today + timedelta(days=10)
        if due < datetime.now(UTC).date():  # the service checks against the wall clock
            due = None
        plan = actions.Plan(
            "Refresh the window offer posters",
            "Two shoppers saw posters for offers that had ended.",
            ActionPriority.MEDIUM,
            due,
            f"s:{member.id}",
        )
        actions.create_manual(member.branch, north, plan)
        clock.stamp(clock.ago(0, 0.7))
    if latest_other:
        action = latest_other[0]
        plan = plan_for(action, ActionPriority.LOW, today + timedelta(days=30), f"u:{manager.id}")
        _accept_action(clock, action, manager, plan, clock.ago(0, 0.5))
    actions.remind_overdue(today)
    clock.stamp(clock.ago(0, 0.25))
    return db.session.scalar(select(func.count()).select_from(Action)) or 0
