"""Visits over the API: listed and read as each person's own pages show them
(:mod:`audit.api.visit_reading`), created through the rules of ``flask visits import``,
and reviewed through the review service, so every decision is recorded as on the web."""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for
from sqlalchemy import select

from audit.access import ALL_ROLES, branch_in_scope
from audit.api.auth import api_access, api_user
from audit.api.blueprint import bp
from audit.api.idempotency import idempotent
from audit.api.pagination import keyset_page
from audit.api.problems import ApiProblem, invalid
from audit.api.spec import api_spec, responses
from audit.api.visit_reading import (
    filtered,
    readable_visit,
    view_for,
    visible_visits,
    visit_detail,
    with_list_fields,
)
from audit.api.visit_schemas import (
    MANAGER,
    AnswerChangeIn,
    Reason,
    VisitCreate,
    VisitDetail,
    VisitPage,
    VisitQuery,
    visit_out,
)
from audit.extensions import db
from audit.models import Branch, User, Visit, record_event
from audit.review import service as review
from audit.review.service import ReviewError, ReviewStateError
from audit.scorecards.store import definition_of
from audit.visits.imports import RawVisit, VisitImportFailed, import_records

TAGS = ["visits"]
ORDER = (Visit.visited_at, Visit.id)


# --- reading ---------------------------------------------------------------------------


@bp.get("/visits")
@api_access("visits", roles=ALL_ROLES)
@api_spec.validate(query=VisitQuery, resp=responses(200, VisitPage, 422), tags=TAGS)
def list_visits(query: VisitQuery):
    """Visits the caller may see, oldest visit first, a page at a time.

    Managers: every visit in their regions but drafts; shoppers and assessors: their own
    (without scores); staff: the published visits that name them. Filters a role's pages
    do not offer (a shopper filtering on ``critical_failed``) are refused.
    """
    user = api_user()
    view = view_for(user)
    rows = with_list_fields(filtered(visible_visits(user), query, view))
    items, next_cursor = keyset_page(rows, ORDER, query.limit, query.cursor)
    return VisitPage(items=[visit_out(v, view) for v in items], next_cursor=next_cursor)


@bp.get("/visits/<int:visit_id>")
@api_access("visits", roles=ALL_ROLES)
@api_spec.validate(resp=responses(200, VisitDetail, 404), tags=TAGS)
def read_visit(visit_id: int):
    """One visit with its answers, section scores and, for managers, its review state and
    history; each role reads what its own pages show."""
    user = api_user()
    return visit_detail(readable_visit(visit_id, user), view_for(user))


# --- creating --------------------------------------------------------------------------


def _import_error(text: str) -> dict[str, str]:
    """``branch: unknown branch 'X'`` (an import error of a record read from nowhere)
    as the field and its message."""
    field, _, message = text.partition(": ")
    return {"field": field, "message": message} if message else {"field": "body", "message": text}


def _check_branch_scope(code: str, user: User) -> None:
    branch = db.session.scalar(select(Branch).where(Branch.code == code.strip().upper()))
    if branch is not None and not branch_in_scope(branch, user):
        message = f"'{branch.code}' is not a branch in your regions."
        raise invalid([{"field": "branch", "message": message}])


@bp.post("/visits")
@api_access("visits", write=True)
@idempotent
@api_spec.validate(json=VisitCreate, resp=responses(201, VisitDetail, 409, 422), tags=TAGS)
def create_visit(json: VisitCreate):
    """Create a visit from one item of the ``flask visits import`` JSON (accepts
    ``Idempotency-Key``).

    The import's rules check it (answers by the scoring engine, the scorecard's required
    questions and comments) and score it; it lands in the status given (``approved``
    by default). An ``external_id`` already imported is refused (409).
    """
    user = api_user()
    _check_branch_scope(json.branch, user)
    fields = json.model_dump(exclude={"answers", "comments"}, exclude_none=True)
    record = RawVisit("", fields, dict(json.answers), dict(json.comments))
    try:
        summary = import_records([record], actor=user)
    except VisitImportFailed as failure:
        errors = [_import_error(text) for text in failure.errors]
        raise invalid(errors, "Nothing was created: see errors for each field.") from None
    external_id = json.external_id.strip()
    if summary.skipped:
        message = f"A visit with external_id '{external_id}' exists already."
        raise ApiProblem(409, message, errors=[{"field": "external_id", "message": message}])
    visit = db.session.scalar(select(Visit).where(Visit.external_id == external_id))
    record_event(user, "visit.imported", visit, source="api", status=visit.status.value)
    location = url_for("api.read_visit", visit_id=visit.id)
    return visit_detail(visit, MANAGER), 201, {"Location": location}


# --- reviewing -------------------------------------------------------------------------


def _refusal(error: ReviewError) -> ApiProblem:
    """A review refusal: 409 when the visit's state stands in the way, else 422 naming
    the field it is about."""
    if isinstance(error, ReviewStateError) or not error.field:
        return ApiProblem(409, str(error))
    return invalid([{"field": error.field, "message": str(error)}])


def _review(visit_id: int, step: Callable[[Visit, User], object]) -> VisitDetail:
    user = api_user()
    visit = readable_visit(visit_id, user)
    try:
        step(visit, user)
    except ReviewError as error:
        raise _refusal(error) from None
    return visit_detail(visit, MANAGER)


def _reason(sent: Reason, purpose: str) -> str:
    """The reason typed, else the saved comment chosen (as the web's reason box)."""
    typed = sent.reason.strip()
    return typed or review.library_text(sent.saved_comment_id, purpose) or ""


DECISION = responses(200, VisitDetail, 404, 409)
WITH_REASON = responses(200, VisitDetail, 404, 409, 422)


@bp.post("/visits/<int:visit_id>/approve")
@api_access("visits", write=True)
@api_spec.validate(resp=DECISION, tags=TAGS)
def approve_visit(visit_id: int):
    """Approve a submitted visit: it counts in reports (its assignment is completed)."""
    return _review(visit_id, review.approve)


@bp.post("/visits/<int:visit_id>/publish")
@api_access("visits", write=True)
@api_spec.validate(resp=DECISION, tags=TAGS)
def publish_visit(visit_id: int):
    """Publish an approved visit: the staff it names can read it."""
    return _review(visit_id, review.publish)


@bp.post("/visits/<int:visit_id>/return")
@api_access("visits", write=True)
@api_spec.validate(json=Reason, resp=WITH_REASON, tags=TAGS)
def return_visit(visit_id: int, json: Reason):
    """Return a submitted visit to its shopper with what to fix."""
    reason = _reason(json, "return")
    return _review(visit_id, lambda visit, user: review.return_to_shopper(visit, user, reason))


@bp.post("/visits/<int:visit_id>/exclude")
@api_access("visits", write=True)
@api_spec.validate(json=Reason, resp=WITH_REASON, tags=TAGS)
def exclude_visit(visit_id: int, json: Reason):
    """Leave a visit out of reporting, with a reason (it keeps its status)."""
    reason = _reason(json, "exclude")
    return _review(visit_id, lambda visit, user: review.exclude(visit, user, reason))


@bp.post("/visits/<int:visit_id>/include")
@api_access("visits", write=True)
@api_spec.validate(json=Reason, resp=WITH_REASON, tags=TAGS)
def include_visit(visit_id: int, json: Reason):
    """Count an excluded visit in reporting again, with a reason."""
    reason = _reason(json, "exclude")
    return _review(visit_id, lambda visit, user: review.include(visit, user, reason))


@bp.post("/visits/<int:visit_id>/answers/<key>")
@api_access("visits", write=True)
@api_spec.validate(json=AnswerChangeIn, resp=WITH_REASON, tags=TAGS)
def change_answer(visit_id: int, key: str, json: AnswerChangeIn):
    """Change one answer of a submitted or approved visit, with a reason: recorded (old
    and new value, who, why) and the visit rescored by the scoring engine."""
    user = api_user()
    visit = readable_visit(visit_id, user)
    if definition_of(visit.version).question(key) is None:
        raise ApiProblem(404, f"'{key}' is not a question of this visit's scorecard.")
    reason = _reason(json, "edit")
    try:
        review.edit_answer(visit, key, json.value, json.comment, user, reason)
    except ReviewError as error:
        raise _refusal(error) from None
    return visit_detail(visit, MANAGER)
