"""Corrective actions over the API: the actions area's forms, service and guard, scoped as
the pages under /actions are (managers their regions, staff the actions they own).

Creates and one-time decisions accept ``Idempotency-Key``: a retry of a request that
worked gets its first answer again instead of a second record or a 409.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import url_for
from sqlalchemy import and_, not_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from audit.access import MANAGERS, scope_branches
from audit.actions import service
from audit.actions.forms import AcceptForm, DismissForm, NewActionForm, PlanForm, UpdateForm
from audit.actions.routes import OWNERS, get_action
from audit.actions.service import ActionError
from audit.api.auth import api_access, api_user
from audit.api.blueprint import bp
from audit.api.followup_schemas import (
    ActionCreate,
    ActionDismissal,
    ActionOut,
    ActionPage,
    ActionPlan,
    ActionProgress,
    ActionQuery,
    action_out,
)
from audit.api.form_input import as_formdata, form_kwargs, validated
from audit.api.idempotency import idempotent
from audit.api.pagination import page_of
from audit.api.problems import ApiProblem
from audit.api.refusals import refusal
from audit.api.spec import api_spec, responses
from audit.extensions import db
from audit.models import (
    ACTIVE_ACTION_STATUSES,
    Action,
    ActionStatus,
    ActionUpdate,
    Branch,
)

#: The forms' field names as the API calls them.
NAMES = {"branch": "branch_id"}
TAGS = ["actions"]


def _form_values(sent: dict[str, Any], action: Action | None = None) -> dict[str, Any]:
    """What the plan form would hold: the action's plan now, with what was sent over it
    (an owner of null is "nobody", as the form's empty choice)."""
    values: dict[str, Any] = {"owner": ""}
    if action is not None:
        values = {
            "title": action.title,
            "description": action.description,
            "priority": action.priority.value,
            "due_on": action.due_on,
            "owner": service.owner_value(action),
        }
    values.update(sent)
    values["owner"] = values.get("owner") or ""
    return values


def _plan_form(form_class: type[PlanForm], action: Action, sent: dict[str, Any]) -> PlanForm:
    form = form_class(formdata=as_formdata(_form_values(sent, action)), **form_kwargs())
    form.set_owners(service.owner_choices(action.branch))
    return validated(form, NAMES)


def _with_records(query: Any) -> Any:
    return query.options(
        selectinload(Action.updates).joinedload(ActionUpdate.author),
        joinedload(Action.decided_by),
    )


# --- reading -------------------------------------------------------------------------------


@bp.get("/actions")
@api_access("actions", roles=OWNERS)
@api_spec.validate(query=ActionQuery, resp=responses(200, ActionPage, 422), tags=TAGS)
def list_actions(query: ActionQuery):
    """Corrective actions: a manager's in their regions, a staff member's those they own
    (never proposals), a page at a time; ``status`` is active by default."""
    user = api_user()
    rows = service.list_query(
        user, status=query.status, branch_id=query.branch_id, owner=query.owner
    ).order_by(None)
    if query.region_id is not None:
        in_region = select(Branch.id).where(Branch.region_id == query.region_id)
        rows = rows.where(Action.branch_id.in_(in_region))
    if query.overdue is not None:
        late = and_(
            Action.status.in_(ACTIVE_ACTION_STATUSES),
            Action.due_on.is_not(None),
            Action.due_on < datetime.now(UTC).date(),
        )
        rows = rows.where(late if query.overdue else not_(late))
    items, next_cursor = page_of(_with_records(rows), Action.id, query.limit, query.cursor)
    return ActionPage(
        items=[action_out(a, user, history=False) for a in items], next_cursor=next_cursor
    )


@bp.get("/actions/<int:action_id>")
@api_access("actions", roles=OWNERS)
@api_spec.validate(resp=responses(200, ActionOut, 404), tags=TAGS)
def read_action(action_id: int):
    """One action with its updates; a manager also gets its audit trail."""
    user = api_user()
    return action_out(get_action(action_id, user), user)


# --- managers' decisions ---------------------------------------------------------------------


@bp.post("/actions")
@api_access("actions", write=True, roles=MANAGERS)
@idempotent
@api_spec.validate(json=ActionCreate, resp=responses(201, ActionOut, 409, 422), tags=TAGS)
def create_action(json: ActionCreate):
    """Raise an action by hand at an active branch in the caller's regions; it starts open
    (accepts ``Idempotency-Key``)."""
    user = api_user()
    branches = db.session.scalars(
        scope_branches(select(Branch).where(Branch.active.is_(True)), user).order_by(Branch.name)
    ).all()
    values = {**_form_values(json.model_dump(exclude={"branch_id"})), "branch": json.branch_id}
    form = NewActionForm(formdata=as_formdata(values), **form_kwargs())
    form.set_branches([(b.id, b.label) for b in branches])
    branch = next((b for b in branches if b.id == json.branch_id), None)
    form.set_owners(service.owner_choices(branch) if branch else [])
    validated(form, NAMES)
    assert branch is not None  # noqa: S101  (the form offers only these branches)
    try:
        action = service.create_manual(branch, user, form.plan())
    except ActionError as error:
        raise refusal(error, NAMES) from None
    location = url_for("api.read_action", action_id=action.id)
    return action_out(action, user), 201, {"Location": location}


@bp.patch("/actions/<int:action_id>")
@api_access("actions", write=True, roles=MANAGERS)
@api_spec.validate(json=ActionPlan, resp=responses(200, ActionOut, 404, 409, 422), tags=TAGS)
def update_action(action_id: int, json: ActionPlan):
    """Change the plan of a proposed, open or in-progress action (title, description,
    priority, due date, owner): only the fields sent change."""
    user = api_user()
    action = get_action(action_id, user)
    form = _plan_form(PlanForm, action, json.model_dump(exclude_unset=True))
    try:
        service.edit(action, user, form.plan())
    except ActionError as error:
        raise refusal(error, NAMES) from None
    return action_out(action, user)


@bp.post("/actions/<int:action_id>/accept")
@api_access("actions", write=True, roles=MANAGERS)
@idempotent
@api_spec.validate(json=ActionPlan, resp=responses(200, ActionOut, 404, 409, 422), tags=TAGS)
def accept_action(action_id: int, json: ActionPlan):
    """Accept a proposal: it opens with the plan sent over the proposed one."""
    user = api_user()
    action = get_action(action_id, user)
    form = _plan_form(AcceptForm, action, json.model_dump(exclude_unset=True))
    try:
        service.accept(action, user, form.plan())
    except ActionError as error:
        raise refusal(error, NAMES) from None
    return action_out(action, user)


@bp.post("/actions/<int:action_id>/dismiss")
@api_access("actions", write=True, roles=MANAGERS)
@idempotent
@api_spec.validate(json=ActionDismissal, resp=responses(200, ActionOut, 404, 409, 422), tags=TAGS)
def dismiss_action(action_id: int, json: ActionDismissal):
    """Dismiss a proposal, with the reason it needs no action."""
    user = api_user()
    action = get_action(action_id, user)
    form = validated(DismissForm(formdata=as_formdata(json.model_dump()), **form_kwargs()), {})
    try:
        service.dismiss(action, user, form.reason.data)
    except ActionError as error:
        raise refusal(error) from None
    return action_out(action, user)


# --- owners' updates ---------------------------------------------------------------------------


@bp.post("/actions/<int:action_id>/updates")
@api_access("actions", write=True, roles=OWNERS)
@idempotent
@api_spec.validate(json=ActionProgress, resp=responses(201, ActionOut, 404, 409, 422), tags=TAGS)
def post_action_update(action_id: int, json: ActionProgress):
    """Post progress on an accepted action (its owner or a manager): what was done and
    the status it leaves (accepts ``Idempotency-Key``)."""
    user = api_user()
    action = get_action(action_id, user)
    if not service.may_update(action, user):
        raise ApiProblem(409, f"A {action.status.value} action takes no updates.")
    form = UpdateForm(formdata=as_formdata(json.model_dump()), **form_kwargs())
    # Every status is offered: the service says which one this action may move to.
    form.status.choices = [SelectChoice(s.value, s.value) for s in ActionStatus]
    validated(form, {})
    try:
        service.post_update(action, user, ActionStatus(form.status.data), form.note.data)
    except ActionError as error:
        raise refusal(error) from None
    location = url_for("api.read_action", action_id=action.id)
    return action_out(action, user), 201, {"Location": location}
