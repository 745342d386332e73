"""Corrective actions; nothing here knows of requests.

Life of an action::

    proposed ──accept──> open ──> in_progress ──> done
        │                  └───────────────────────┘ (done can be reopened)
        └──dismiss (reason)──> dismissed

Proposals come from findings, each with a ``source_key`` so the same finding never
proposes twice: a critical item failed on an approved visit
(``critical:<visit>:<question>``) and a question failed on at least
``recurring_failure_visits`` visits of a branch in a period
(``recurring:<branch>:<scorecard>:<question>:<from>..<to>``). A recurring finding
is also not proposed again while an earlier proposal for the same branch and
question is still active, whatever its period.

Every change writes an AuditEvent and notifies the people concerned; the caller
commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import joinedload

from audit.access import branch_in_scope, scope_branches
from audit.dates import lazy_date
from audit.extensions import db
from audit.models import (
    ACTIVE_ACTION_STATUSES,
    Action,
    ActionKind,
    ActionPriority,
    ActionStatus,
    ActionUpdate,
    AuditEvent,
    Branch,
    Region,
    Role,
    Scorecard,
    StaffMember,
    User,
    Visit,
    record_event,
    user_regions,
)
from audit.notifications.service import notify
from audit.org.timezones import branch_today, branch_zone, today_in
from audit.photos.uploads import Photo
from audit.service_errors import TEXT_MAX as TEXT_MAX  # the forms' limit too
from audit.service_errors import FieldError
from audit.webhooks.emitting import emit

A = ActionStatus
#: What an owner may move an action to, from each status.
TRANSITIONS: dict[ActionStatus, tuple[ActionStatus, ...]] = {
    A.OPEN: (A.OPEN, A.IN_PROGRESS, A.DONE),
    A.IN_PROGRESS: (A.IN_PROGRESS, A.OPEN, A.DONE),
    A.DONE: (A.DONE, A.IN_PROGRESS),
}
STATUS_LABELS = {
    A.PROPOSED: _l("Proposed"),
    A.OPEN: _l("Open"),
    A.IN_PROGRESS: _l("In progress"),
    A.DONE: _l("Done"),
    A.DISMISSED: _l("Dismissed"),
}
#: The statuses as a sentence says them: "an open action", "(in progress)".
STATUS_WORDS = {
    A.PROPOSED: _l("proposed"),
    A.OPEN: _l("open"),
    A.IN_PROGRESS: _l("in progress"),
    A.DONE: _l("done"),
    A.DISMISSED: _l("dismissed"),
}
#: The list's status filters; "active" is open or in progress, "overdue" active and past due.
LIST_FILTERS = ("active", "proposed", "overdue", "open", "in_progress", "done", "dismissed", "all")


class ActionError(FieldError):
    """Something that cannot be done to an action; ``str()`` is for the person."""


def _now() -> datetime:
    return datetime.now(UTC)


def _today() -> date:
    """Today in the installation's default zone (a period's end when none is given)."""
    return today_in(branch_zone(None))


def branch_day(branch: Branch | None, today: date | None = None) -> date:
    """Today on ``branch``'s calendar, unless ``today`` says which day it is: a due date
    is the branch's date, so an action due today there is overdue once today ends there."""
    return today or today_in(branch_zone(branch))


def _overdue(today: date | None) -> ColumnElement[bool]:
    """Actions past their due date, each by its branch's calendar (or all by ``today``)."""
    return Action.status.in_(ACTIVE_ACTION_STATUSES) & (
        Action.due_on < (today or branch_today(Action.branch_id))
    )


_text = ActionError.required_text


def _link(action: Action) -> str:
    return f"/actions/{action.id}"


# --- who is concerned ----------------------------------------------------------------


def managers_for_branch(branch: Branch) -> list[User]:
    """Active managers whose scope names the branch's region; else the unscoped managers.

    Head-office managers (no region scope) see every branch; they are told only when no
    manager is responsible for the region, so that they are not told of everything.
    """
    scoped = list(
        db.session.scalars(
            select(User)
            .join(user_regions, user_regions.c.user_id == User.id)
            .where(
                User.role == Role.MANAGER,
                User.active.is_(True),
                user_regions.c.region_id == branch.region_id,
            )
            .order_by(User.id)
        )
    )
    if scoped:
        return scoped
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.MANAGER, User.active.is_(True), ~User.regions.any())
            .order_by(User.id)
        )
    )


def owner_users(action: Action) -> list[User]:
    """The account(s) that act for the owner: the manager, or the staff member's login."""
    users: list[User] = []
    if action.owner_user is not None:
        users.append(action.owner_user)
    if action.owner_staff is not None and action.owner_staff.user is not None:
        users.append(action.owner_staff.user)
    return users


def is_owner(action: Action, user: User) -> bool:
    return any(u.id == user.id for u in owner_users(action))


def in_scope(action: Action, user: User) -> bool:
    return branch_in_scope(action.branch, user)


def may_manage(action: Action, user: User) -> bool:
    """Managers in scope of the branch (and admins) decide, edit and assign."""
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.MANAGER and in_scope(action, user)


def may_see(action: Action, user: User) -> bool:
    return may_manage(action, user) or is_owner(action, user)


def may_update(action: Action, user: User) -> bool:
    """Owners and managers in scope post progress on an accepted action."""
    return action.status in TRANSITIONS and (may_manage(action, user) or is_owner(action, user))


def owner_choices(branch: Branch) -> list[tuple[str, str]]:
    """("u:<id>" | "s:<id>", label) for every possible owner of an action at ``branch``."""
    managers = db.session.scalars(
        select(User)
        .where(
            User.role == Role.MANAGER,
            User.active.is_(True),
            or_(
                ~User.regions.any(),
                User.regions.any(Region.id == branch.region_id),
            ),
        )
        .order_by(User.name)
    )
    staff = db.session.scalars(
        select(StaffMember)
        .where(StaffMember.branch_id == branch.id, StaffMember.active.is_(True))
        .order_by(StaffMember.name)
    )
    return [(f"u:{u.id}", gettext("%(name)s (manager)", name=u.name)) for u in managers] + [
        (f"s:{m.id}", f"{m.name} ({m.job_title or gettext('staff')})") for m in staff
    ]


def resolve_owner(action: Action, choice: str | None) -> tuple[User | None, StaffMember | None]:
    """The owner named by an ``owner_choices`` value; ActionError if it is not one of them."""
    if not choice:
        return None, None
    if choice not in {value for value, _ in owner_choices(action.branch)}:
        raise ActionError(gettext("Choose an owner from the list."), field="owner")
    kind, _, raw_id = choice.partition(":")
    if kind == "u":
        return db.session.get(User, int(raw_id)), None
    return None, db.session.get(StaffMember, int(raw_id))


def owner_value(action: Action) -> str:
    """The owner as an ``owner_choices`` value ("" for nobody); reads the relationships,
    so it is right before a flush too."""
    if action.owner_user is not None:
        return f"u:{action.owner_user.id}"
    if action.owner_staff is not None:
        return f"s:{action.owner_staff.id}"
    return ""


def owner_name(action: Action) -> str:
    if action.owner_user is not None:
        return action.owner_user.name
    if action.owner_staff is not None:
        return action.owner_staff.name
    return ""


def is_overdue(action: Action, today: date | None = None) -> bool:
    return (
        action.status in ACTIVE_ACTION_STATUSES
        and action.due_on is not None
        and action.due_on < branch_day(action.branch, today)
    )


# --- managers' decisions ------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What a manager sets on an action when accepting or editing it."""

    title: str
    description: str
    priority: ActionPriority
    due_on: date | None
    owner: str | None  # an owner_choices value, or None / "" for nobody


def _plan_fields(action: Action) -> dict[str, Any]:
    """The plan as the audit trail records it."""
    return {
        "title": action.title,
        "description": action.description,
        "priority": action.priority.value,
        "due_on": action.due_on.isoformat() if action.due_on else None,
        "owner": owner_value(action) or None,
    }


def _apply_plan(action: Action, plan: Plan) -> dict[str, Any]:
    """Set the plan's fields; returns {field: [old, new]} for what changed."""
    title = _text(plan.title, gettext("Give the action a title."), "title")[:200]
    owner_user, owner_staff = resolve_owner(action, plan.owner)
    before = _plan_fields(action)
    action.title = title
    action.description = (plan.description or "").strip()
    action.priority = plan.priority
    action.due_on = plan.due_on
    action.owner_user = owner_user
    action.owner_staff = owner_staff
    after = _plan_fields(action)
    return {k: [before[k], after[k]] for k in before if before[k] != after[k]}


def _notify_owner(action: Action, actor: User, changes: dict[str, Any]) -> None:
    if "owner" in changes and (action.owner_user or action.owner_staff):
        where = {"branch": action.branch.name, "title": action.title}
        message = (
            _l(
                "Action assigned to you at %(branch)s: %(title)s, due %(due)s",
                due=lazy_date(action.due_on),
                **where,
            )
            if action.due_on
            else _l("Action assigned to you at %(branch)s: %(title)s", **where)
        )
        notify(
            [u for u in owner_users(action) if u.id != actor.id],
            "action.assigned",
            message,
            _link(action),
        )


def accept(action: Action, actor: User, plan: Plan) -> None:
    """proposed -> open, with the plan (owner, due date, priority) the manager sets."""
    if action.status is not A.PROPOSED:
        raise ActionError(
            gettext(
                "Only a proposed action can be accepted; this one is %(status)s.",
                status=STATUS_WORDS[action.status],
            )
        )
    if plan.due_on is not None and plan.due_on < branch_day(action.branch):
        raise ActionError(gettext("The due date is in the past."), field="due_on")
    changes = _apply_plan(action, plan)
    action.status = A.OPEN
    action.decided_by = actor
    action.decided_at = _now()
    record_event(actor, "action.accepted", action, changes=changes)
    emit("action.updated", action)
    _notify_owner(action, actor, changes)


def edit(action: Action, actor: User, plan: Plan) -> dict[str, Any]:
    """Change the plan of a proposed, open or in-progress action; returns what changed."""
    if action.status not in (A.PROPOSED, *ACTIVE_ACTION_STATUSES):
        raise ActionError(
            gettext("A %(status)s action is not edited.", status=STATUS_WORDS[action.status])
        )
    changes = _apply_plan(action, plan)
    if not changes:
        raise ActionError(gettext("Nothing changed."))
    record_event(actor, "action.edited", action, changes=changes)
    emit("action.updated", action)
    _notify_owner(action, actor, changes)
    return changes


def dismiss(action: Action, actor: User, reason: str) -> None:
    """proposed -> dismissed, with the reason it needs no action."""
    reason = _text(reason, gettext("Say why this proposal needs no action."), "reason")
    if action.status is not A.PROPOSED:
        raise ActionError(
            gettext(
                "Only a proposal can be dismissed; this action is %(status)s.",
                status=STATUS_WORDS[action.status],
            )
        )
    action.status = A.DISMISSED
    action.dismiss_reason = reason
    action.decided_by = actor
    action.decided_at = _now()
    action.closed_at = action.decided_at
    record_event(actor, "action.dismissed", action, reason=reason)
    emit("action.updated", action)


def create_manual(branch: Branch, actor: User, plan: Plan, *, visit: Visit | None = None) -> Action:
    """A manager raises an action by hand: it starts open."""
    action = Action(
        branch=branch,
        kind=ActionKind.MANUAL,
        status=A.OPEN,
        title="",
        description="",
        priority=plan.priority,
        created_by=actor,
        decided_by=actor,
        decided_at=_now(),
        visit=visit,
    )
    if plan.due_on is not None and plan.due_on < branch_day(branch):
        raise ActionError(gettext("The due date is in the past."), field="due_on")
    changes = _apply_plan(action, plan)
    db.session.add(action)
    db.session.flush()
    record_event(actor, "action.created", action, changes=changes)
    emit("action.updated", action)
    _notify_owner(action, actor, changes)
    return action


# --- owners' updates -----------------------------------------------------------------------


def post_update(
    action: Action,
    actor: User,
    status: ActionStatus,
    note: str,
    photo: Photo | None = None,
) -> ActionUpdate:
    """An owner's (or manager's) progress: a note, maybe a new status, maybe a photo."""
    note = _text(note, gettext("Write what was done."), "note")
    if not may_update(action, actor):
        raise ActionError(
            gettext("A %(status)s action takes no updates.", status=STATUS_WORDS[action.status])
        )
    allowed = TRANSITIONS[action.status]
    if status not in allowed:
        raise ActionError(
            gettext(
                "A %(status)s action cannot become %(new_status)s.",
                status=STATUS_WORDS[action.status],
                new_status=STATUS_WORDS.get(status, status),
            ),
            field="status",
        )
    before = action.status
    update = ActionUpdate(
        action=action,
        author=actor,
        status_from=before,
        status_to=status,
        note=note,
        photo_name=photo.name if photo else None,
        thumb_name=photo.thumb_name if photo else None,
        photo_captured_at=photo.captured_at if photo else None,
        created_at=_now(),
    )
    db.session.add(update)
    action.status = status
    if status is A.DONE and before is not A.DONE:
        action.closed_at = update.created_at
    elif status is not A.DONE:
        action.closed_at = None
    db.session.flush()
    record_event(
        actor,
        "action.updated",
        action,
        update_id=update.id,
        status_from=before.value,
        status_to=status.value,
        note=note,
        photo=bool(photo),
    )
    emit("action.updated", action)
    where = {"name": actor.name, "branch": action.branch.name, "title": action.title}
    message = (
        _l("%(name)s updated an action at %(branch)s: %(title)s", **where)
        if before is status
        else _l(
            "%(name)s updated an action at %(branch)s (%(status)s): %(title)s",
            status=STATUS_WORDS[status],
            **where,
        )
    )
    notify(
        [u for u in (action.created_by, action.decided_by) if u is not None and u.id != actor.id],
        "action.updated",
        message,
        _link(action),
    )
    return update


def remind_overdue(today: date | None = None) -> int:
    """Tell the owner of every overdue action (meant to run daily); returns how many."""
    overdue = db.session.scalars(
        select(Action)
        .where(_overdue(today))
        .options(
            joinedload(Action.branch),
            joinedload(Action.owner_user),
            joinedload(Action.owner_staff).joinedload(StaffMember.user),
        )
        .order_by(Action.due_on, Action.id)
    ).all()
    reminded = 0
    for action in overdue:
        owners = owner_users(action)
        if not notify(
            owners,
            "action.overdue",
            _l(
                "Overdue since %(due)s at %(branch)s: %(title)s",
                due=lazy_date(action.due_on),
                branch=action.branch.name,
                title=action.title,
            ),
            _link(action),
        ):
            continue
        record_event(None, "action.reminded", action, due_on=action.due_on.isoformat())
        reminded += 1
    return reminded


# --- lists ---------------------------------------------------------------------------------


def scope_actions(query: Select, user: User) -> Select:
    """Actions the user may see: managers their regions, staff what they own."""
    if user.role is Role.ADMIN:
        return query
    if user.role is Role.MANAGER:
        return query.where(Action.branch_id.in_(scope_branches(select(Branch.id), user)))
    member = user.staff_member
    conditions = [Action.owner_user_id == user.id]
    if member is not None:
        conditions.append(Action.owner_staff_id == member.id)
    return query.where(or_(*conditions), Action.status != A.PROPOSED)


def list_query(
    user: User,
    *,
    status: str = "active",
    branch_id: int | None = None,
    owner: str | None = None,
    today: date | None = None,
) -> Select:
    """Actions in the user's reach matching the list filters, overdue and soonest due first."""
    query = select(Action).options(
        joinedload(Action.branch), joinedload(Action.owner_user), joinedload(Action.owner_staff)
    )
    if status == "active":
        query = query.where(Action.status.in_(ACTIVE_ACTION_STATUSES))
    elif status == "overdue":
        query = query.where(_overdue(today))
    elif status in {s.value for s in ActionStatus}:
        query = query.where(Action.status == ActionStatus(status))
    if branch_id is not None:
        query = query.where(Action.branch_id == branch_id)
    if owner == "me":
        query = query.where(Action.owner_user_id == user.id)
    elif owner == "none":
        query = query.where(Action.owner_user_id.is_(None), Action.owner_staff_id.is_(None))
    elif owner and owner.startswith(("u:", "s:")) and owner[2:].isdigit():
        column = Action.owner_user_id if owner[0] == "u" else Action.owner_staff_id
        query = query.where(column == int(owner[2:]))
    query = query.order_by(
        Action.due_on.is_(None), Action.due_on, Action.created_at.desc(), Action.id.desc()
    )
    return scope_actions(query, user)


def overdue_count(user: User, today: date | None = None) -> int:
    query = select(func.count()).select_from(Action).where(_overdue(today))
    return db.session.scalar(scope_actions(query, user)) or 0


def branch_actions(
    branch_id: int, scorecard: str | None = None
) -> tuple[list[Action], list[Action]]:
    """(open, closed) actions of a branch for its page and PDF.

    Open: open or in progress, soonest due first. Closed: done, latest first. Proposals
    and dismissed ones are left out: they were never the branch's work. With
    ``scorecard`` (a slug, the report's filter) only the actions about that scorecard
    are listed: raised from one of its questions or visits, or about none in particular.
    The caller checks that the viewer may see the branch.
    """
    conditions = [
        Action.branch_id == branch_id,
        Action.status.in_((*ACTIVE_ACTION_STATUSES, A.DONE)),
    ]
    if scorecard is not None:
        conditions.append(action_about_scorecard(scorecard))
    rows = db.session.scalars(
        select(Action)
        .where(*conditions)
        .options(joinedload(Action.owner_user), joinedload(Action.owner_staff))
        .order_by(Action.due_on.is_(None), Action.due_on, Action.id)
    ).all()
    open_ = [a for a in rows if a.status in ACTIVE_ACTION_STATUSES]
    closed = sorted(
        (a for a in rows if a.status is A.DONE),
        key=lambda a: a.closed_at or a.created_at,
        reverse=True,
    )
    return open_, closed


def action_about_scorecard(slug: str) -> ColumnElement[bool]:
    """Actions about scorecard ``slug``: raised from one of its questions or visits, or
    about no scorecard at all (an action raised by hand at the branch)."""
    card = select(Scorecard.id).where(Scorecard.slug == slug).scalar_subquery()
    of_card_visits = select(Visit.id).where(Visit.scorecard_id == card)
    return or_(
        Action.scorecard_id == card,
        Action.scorecard_id.is_(None)
        & (Action.visit_id.is_(None) | Action.visit_id.in_(of_card_visits)),
    )


def events_of(action: Action) -> Iterable[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == Action.__tablename__, AuditEvent.subject_id == action.id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
