"""Assignments over the API: offer, list, read and cancel, for managers in their regions
as on the Assignments pages, through the same form and service
(:mod:`audit.assignments.service`: the lockout, the window, the assessor's regions)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import Select
from wtforms.fields.choices import SelectChoice

from audit.access import branch_in_scope
from audit.api.assignment_schemas import (
    AssignmentCancel,
    AssignmentCreate,
    AssignmentOut,
    AssignmentPage,
    AssignmentQuery,
)
from audit.api.auth import api_access, api_user
from audit.api.blueprint import bp
from audit.api.form_input import as_formdata, form_kwargs, validated
from audit.api.idempotency import idempotent
from audit.api.pagination import page_of
from audit.api.problems import ApiProblem, invalid
from audit.api.spec import api_spec, responses
from audit.assignments import service
from audit.assignments.forms import AssignmentForm, CancelForm
from audit.assignments.service import (
    AssignmentStateError,
    AssignmentValidationError,
    Filters,
    LockoutConflict,
    RatingTooLow,
)
from audit.extensions import db
from audit.models import Assignment, Branch, Scorecard, User

#: The assignment form's field names as the API calls them.
FORM_NAMES = {"scorecard": "scorecard_id", "branches": "branch_id", "shopper": "shopper_id"}


def assignment_out(assignment: Assignment) -> AssignmentOut:
    return AssignmentOut(
        id=assignment.id,
        status=assignment.status,
        scorecard_id=assignment.scorecard_id,
        scorecard=assignment.scorecard.slug,
        branch_id=assignment.branch_id,
        branch_code=assignment.branch.code,
        region_id=assignment.branch.region_id,
        shopper_id=assignment.shopper_id,
        shopper_name=assignment.shopper.name,
        shopper_role=assignment.shopper.role,
        window_start=assignment.window_start,
        window_end=assignment.window_end,
        scenario=assignment.scenario,
        lockout_overridden=assignment.lockout_overridden,
        override_reason=assignment.override_reason,
        rating_overridden=assignment.rating_overridden,
        rating_override_reason=assignment.rating_override_reason,
        decline_reason=assignment.decline_reason,
        cancel_reason=assignment.cancel_reason,
        visit_id=assignment.visit.id if assignment.visit is not None else None,
        created_at=assignment.created_at,
        responded_at=assignment.responded_at,
        cancelled_at=assignment.cancelled_at,
    )


def _up_to_date() -> None:
    """Mark what is overdue first, as the pages do, so no status read is stale."""
    if service.mark_overdue():
        db.session.commit()


def _managed(assignment_id: int) -> Assignment:
    """An assignment at a branch in the caller's regions: 404 if missing, 403 outside."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise ApiProblem(404, "There is no assignment with this id.")
    if not branch_in_scope(assignment.branch, api_user()):
        raise ApiProblem(403, "This assignment is at a branch outside your regions.")
    return assignment


def _listed(actor: User, query: AssignmentQuery) -> Select:
    filters = Filters(
        status="" if query.status == "all" else str(query.status),
        branch=query.branch_id,
        shopper=query.shopper_id,
        window_from=query.window_from,
        window_to=query.window_to,
    )
    rows = service.filtered_query(actor, filters).order_by(None)  # pages go by id
    if query.region_id:
        rows = rows.where(Branch.region_id == query.region_id)
    return rows


@bp.get("/assignments")
@api_access("assignments")
@api_spec.validate(
    query=AssignmentQuery, resp=responses(200, AssignmentPage, 422), tags=["assignments"]
)
def list_assignments(query: AssignmentQuery):
    """Assignments at branches in the caller's regions, a page at a time."""
    _up_to_date()
    items, next_cursor = page_of(
        _listed(api_user(), query), Assignment.id, query.limit, query.cursor
    )
    return AssignmentPage(items=[assignment_out(a) for a in items], next_cursor=next_cursor)


@bp.get("/assignments/<int:assignment_id>")
@api_access("assignments")
@api_spec.validate(resp=responses(200, AssignmentOut, 404), tags=["assignments"])
def read_assignment(assignment_id: int):
    """One assignment."""
    _up_to_date()
    return assignment_out(_managed(assignment_id))


def _choice(model: type[Scorecard] | type[Branch] | type[User], record_id: int) -> list:
    """The record sent as the form's one choice when it exists: whether it may be chosen
    (published, active, in the caller's regions, a shopper) is the service's to say, in
    its own words; an id of nothing is refused by the form."""
    record = db.session.get(model, record_id)
    return [SelectChoice(record.id, str(record.id))] if record is not None else []


def _assignment_form(sent: AssignmentCreate) -> AssignmentForm:
    values: dict[str, Any] = {
        "scorecard": sent.scorecard_id,
        "branches": sent.branch_id,
        "shopper": sent.shopper_id,
        "window_start": sent.window_start.isoformat(),
        "window_end": sent.window_end.isoformat(),
        "scenario": sent.scenario,
        "override_reason": sent.override_reason,
        "rating_override_reason": sent.rating_override_reason,
    }
    if sent.override_lockout:
        values["override_lockout"] = "y"
    if sent.override_rating:
        values["override_rating"] = "y"
    form = AssignmentForm(formdata=as_formdata(values), **form_kwargs())
    form.scorecard.choices = _choice(Scorecard, sent.scorecard_id)
    form.branches.choices = _choice(Branch, sent.branch_id)
    form.regions.choices = []
    form.shopper.choices = _choice(User, sent.shopper_id)
    return validated(form, FORM_NAMES)


def _lockout_problem(conflict: LockoutConflict) -> ApiProblem:
    if conflict.reason_missing:
        message = "Say why this shopper should go back so soon."
        return invalid([{"field": "override_reason", "message": message}])
    errors = [
        {
            "field": "branch_id",
            "message": f"{hit.branch.label}: visit or assignment on {hit.last_date:%Y-%m-%d}; "
            f"locked out until {hit.until(conflict.days):%Y-%m-%d}.",
        }
        for hit in conflict.conflicts
    ]
    return ApiProblem(
        409,
        f"The shopper is {conflict}. To send them anyway, send override_lockout: true "
        "with an override_reason.",
        errors=errors,
        title="Within the lockout",
    )


def _rating_problem(refusal: RatingTooLow) -> ApiProblem:
    if refusal.reason_missing:
        message = "Say why this shopper should do it anyway."
        return invalid([{"field": "rating_override_reason", "message": message}])
    return ApiProblem(
        409,
        f"{refusal} To offer it anyway, send override_rating: true with a rating_override_reason.",
        errors=[{"field": "shopper_id", "message": str(refusal)}],
        title="Below the minimum rating",
    )


@bp.post("/assignments")
@api_access("assignments", write=True)
@idempotent
@api_spec.validate(
    json=AssignmentCreate, resp=responses(201, AssignmentOut, 409, 422), tags=["assignments"]
)
def create_assignment(json: AssignmentCreate):
    """Offer an assignment (accepts ``Idempotency-Key``).

    The rules of the New assignment page: an active mystery shopper or assessor (an
    assessor only within their regions), an active branch in the caller's regions, a
    scorecard with a published version, a window that has not ended. A shopper sent to
    the branch within the lockout period (setting ``shopper_lockout_days``) is refused
    with 409 unless ``override_lockout`` is true and ``override_reason`` says why. A
    shopper whose rating is below the scorecard's ``min_rating`` (or who is not yet
    rated) is refused with 409 naming ``shopper_id`` unless ``override_rating`` is true
    and ``rating_override_reason`` says why.
    """
    actor = api_user()
    form = _assignment_form(json)
    try:
        created = service.create_assignments(
            db.session.get(Scorecard, form.scorecard.data),
            [db.session.get(Branch, form.branches.data[0])],
            db.session.get(User, form.shopper.data),
            form.window_start.data,
            form.window_end.data,
            form.scenario.data,
            actor,
            override_lockout=form.override_lockout.data,
            override_reason=form.override_reason.data or "",
            override_rating=form.override_rating.data,
            rating_override_reason=form.rating_override_reason.data or "",
        )
    except RatingTooLow as refusal:
        raise _rating_problem(refusal) from None
    except LockoutConflict as conflict:
        raise _lockout_problem(conflict) from None
    except AssignmentValidationError as error:
        raise invalid(
            {"field": FORM_NAMES.get(name, name), "message": message}
            for name, message in error.problems
        ) from None
    db.session.flush()
    assignment = created[0]
    location = url_for("api.read_assignment", assignment_id=assignment.id)
    return assignment_out(assignment), 201, {"Location": location}


@bp.post("/assignments/<int:assignment_id>/cancel")
@api_access("assignments", write=True)
@api_spec.validate(
    json=AssignmentCancel, resp=responses(200, AssignmentOut, 404, 409, 422), tags=["assignments"]
)
def cancel_assignment(assignment_id: int, json: AssignmentCancel):
    """Cancel an offered, accepted or overdue assignment, with a reason (kept in its
    history); one already submitted, completed, declined or cancelled is refused (409)."""
    assignment = _managed(assignment_id)
    form = validated(CancelForm(formdata=as_formdata(json.model_dump()), **form_kwargs()), {})
    try:
        service.cancel(assignment, api_user(), form.reason.data)
    except AssignmentStateError as error:
        raise ApiProblem(409, str(error)) from None
    return assignment_out(assignment)
